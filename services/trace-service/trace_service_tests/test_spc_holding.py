"""Which SPC hits hold the LOT (`trace_service.quality.holding`, ADR 0026) as a pure rule:
only a check set to hold, only the hits of the judged completion, every rule named with
its points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mes_contracts.payloads.spc import SpcRuleViolation
from trace_service.quality.holding import hold_violations
from trace_service.quality.spc import RuleHit

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 4, tzinfo=UTC)
LIMITS = {"version": 3, "center": 10.0, "ucl": 10.6, "lcl": 9.4}


def window(values: list[float]) -> list[dict[str, Any]]:
    return [
        {
            "lot_number": f"WF-KR-261204D-{i + 1:03d}",
            "work_order_id": f"WO-{i + 1}",
            "idx": 0,
            "value": v,
            "target": 10.0,
            "lower_limit": 9.0,
            "upper_limit": 11.0,
            "unit": "kgf",
            "measured_at": T0 + timedelta(minutes=i),
        }
        for i, v in enumerate(values)
    ]


W = window([10.1] * 8 + [10.9])  # the 9th: rule 1 and rule 2 at the same point
HITS = [RuleHit("1", (8,)), RuleHit("2", tuple(range(9)))]


@pytest.mark.parametrize(
    ("check", "hold_checks", "hits", "work_order_id", "rules"),
    [
        ("temp_sensor", {"temp_sensor"}, HITS, "WO-9", ["1", "2"]),
        ("temp_sensor", {"other"}, HITS, "WO-9", []),  # not set to hold: the alert only
        ("temp_sensor", set(), HITS, "WO-9", []),  # the default: nothing holds
        ("temp_sensor", {"temp_sensor"}, [], "WO-9", []),  # nothing new (a redelivery)
        ("temp_sensor", {"temp_sensor"}, [RuleHit("1", (7,))], "WO-9", []),  # an older point's
        ("temp_sensor", {"temp_sensor"}, HITS, "WO-8", []),  # judged for another completion
    ],
)
def test_which_hits_hold(
    check: str, hold_checks: set[str], hits: list[RuleHit], work_order_id: str, rules: list[str]
) -> None:
    found = hold_violations(check, hold_checks, LIMITS, W, hits, work_order_id)
    assert [v["rule"] for v in found] == rules


def test_a_violation_names_the_rule_the_limits_the_spec_and_the_points() -> None:
    [one, two] = hold_violations("temp_sensor", {"temp_sensor"}, LIMITS, W, HITS, "WO-9")
    assert one == {
        "check": "temp_sensor",
        "rule": "1",
        "description": "1 point beyond 3σ",
        "value": 10.9,
        "limits_version": 3,
        "center": 10.0,
        "ucl": 10.6,
        "lcl": 9.4,
        "target": 10.0,
        "lower_limit": 9.0,
        "upper_limit": 11.0,
        "unit": "kgf",
        "points": [
            {
                "lot_number": "WF-KR-261204D-009",
                "work_order_id": "WO-9",
                "value": 10.9,
                "measured_at": T0 + timedelta(minutes=8),
            }
        ],
    }
    assert [p["work_order_id"] for p in two["points"]] == [f"WO-{i}" for i in range(1, 10)]
    SpcRuleViolation.model_validate(two)  # the event's shape
