"""Which SPC hits hold the LOT (ADR 0026, issue 20 "Alerts and hold"), with no I/O.

A hit holds only when its check is configured so (`MES_SPC_HOLD_CHECKS`), it was not
stored before (a redelivered completion finds nothing new) and the point completing its
pattern is the judged completion's: hits found at older points (limits activated over
a baseline that already breaks a rule) alert, but their LOTs have moved on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from . import spc


def _point(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "lot_number": p["lot_number"],
        "work_order_id": p["work_order_id"],
        "value": p["value"],
        "measured_at": p["measured_at"],
    }


def hold_violations(
    check: str,
    hold_checks: Collection[str],
    limits: dict[str, Any],
    window: Sequence[dict[str, Any]],
    new_hits: Sequence[spc.RuleHit],
    work_order_id: str,
) -> list[dict[str, Any]]:
    """`SpcRuleViolation`s of `spc.violation_found` for the hits that hold the LOT."""
    if check not in hold_checks:
        return []
    out = []
    for h in new_hits:
        last = window[h.last]
        if last["work_order_id"] != work_order_id:
            continue
        out.append(
            {
                "check": check,
                "rule": h.rule,
                "description": h.description,
                "value": last["value"],
                "limits_version": limits["version"],
                "center": limits["center"],
                "ucl": limits["ucl"],
                "lcl": limits["lcl"],
                "target": last.get("target"),
                "lower_limit": last.get("lower_limit"),
                "upper_limit": last.get("upper_limit"),
                "unit": last.get("unit"),
                "points": [_point(window[i]) for i in h.points],
            }
        )
    return out
