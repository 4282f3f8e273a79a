"""Withforce MES workstation client (issue #8)."""
