"""The alerts centre (ADR 0024): rules over the event streams and Redis, alerts raised
once per condition and resolved when it clears, acknowledgements, signed webhooks."""
