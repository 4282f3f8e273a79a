"""SPC: control limits, Western Electric / Nelson rules and capability (ADR 0026)."""
