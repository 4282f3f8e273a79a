"""Production-day KPIs and yields (ADR 0027): pure rules (calendar, rules), their SQL
(queries) and routes (api)."""
