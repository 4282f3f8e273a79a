"""Shared plumbing of every Withforce MES service (settings, logs, metrics, tracing,
database, outbox, inbox, Redis Streams consumers, health, auth, error bodies)."""
