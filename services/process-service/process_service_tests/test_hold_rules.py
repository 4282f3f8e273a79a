"""Hold-on-failure and NCR rules (`process_service.holds`, ADR 0023) as plain functions."""

from __future__ import annotations

from typing import Any

import pytest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.routing import DEFAULT_ROUTING
from process_service.domain import Step, check_can_start
from process_service.holds import (
    OPEN,
    REWORK,
    Hold,
    HoldEffect,
    LotFacts,
    SpcHoldEffect,
    check_disposition,
    completion_effect,
    may_start,
    on_hold_error,
    spc_failed_checks,
    spc_hold_effect,
)

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"
ROUTING = [
    Step(s.process_id, s.sequence, s.name_ko, s.name_en, rework_limit=0 if s.sequence == 1 else 2)
    for s in DEFAULT_ROUTING
]
STEP = {s.process_id: s for s in ROUTING}


def records(spec: str) -> list[tuple[str, bool, str | None]]:
    """`"001:P 003:F"` → records in start order: P/F completed PASS/FAIL, S started."""
    out = []
    for item in spec.split():
        number, state = item.split(":")
        out.append((f"PROC-{number}", state != "S", {"P": "PASS", "F": "FAIL"}.get(state)))
    return out


UP_TO_3_FAILED = "001:P 002:P 003:F"
OPEN_AT_3 = Hold("NCR-251110-001", "PROC-003", OPEN)


def rework(from_: str, base: int = 3) -> Hold:
    return Hold("NCR-251110-001", "PROC-003", REWORK, from_, base)


def start(hold: Hold | None, spec: str, process_id: str) -> ErrorCode | None:
    """LOT_ON_HOLD, the order rule's error, or None (may start)."""
    latest = may_start(LOT, ROUTING, STEP[process_id], hold, records(spec))
    if latest is None:
        return ErrorCode.LOT_ON_HOLD
    try:
        check_can_start(LOT, ROUTING, STEP[process_id], latest)
    except MesError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    ("hold", "spec", "process_id", "expected"),
    [
        (None, UP_TO_3_FAILED, "PROC-004", None),  # no hold: a FAIL satisfies the order
        (None, UP_TO_3_FAILED, "PROC-003", None),  # ... and may be started again
        (OPEN_AT_3, UP_TO_3_FAILED, "PROC-004", ErrorCode.LOT_ON_HOLD),
        (OPEN_AT_3, UP_TO_3_FAILED, "PROC-003", ErrorCode.LOT_ON_HOLD),  # disposition first
        (OPEN_AT_3, UP_TO_3_FAILED, "PROC-001", ErrorCode.LOT_ON_HOLD),
        (rework("PROC-003"), UP_TO_3_FAILED, "PROC-003", None),
        (rework("PROC-003"), UP_TO_3_FAILED, "PROC-004", ErrorCode.LOT_ON_HOLD),
        (rework("PROC-003"), UP_TO_3_FAILED, "PROC-002", ErrorCode.LOT_ON_HOLD),  # outside
        (rework("PROC-003"), UP_TO_3_FAILED + " 003:S", "PROC-003", ErrorCode.DUPLICATE_START),
        (rework("PROC-003"), UP_TO_3_FAILED + " 003:F", "PROC-003", None),  # FAIL w/o hold step
        # Going back: the window 002..003 runs again in order, from its first step.
        (rework("PROC-002"), UP_TO_3_FAILED, "PROC-002", None),
        (
            rework("PROC-002"),
            UP_TO_3_FAILED,
            "PROC-003",
            ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
        ),
        (
            rework("PROC-002"),
            UP_TO_3_FAILED + " 002:S",
            "PROC-003",
            ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
        ),
        (rework("PROC-002"), UP_TO_3_FAILED + " 002:P", "PROC-003", None),
        (rework("PROC-002"), UP_TO_3_FAILED + " 002:P", "PROC-002", ErrorCode.DUPLICATE_START),
        (rework("PROC-002"), UP_TO_3_FAILED + " 002:P 003:S", "PROC-004", ErrorCode.LOT_ON_HOLD),
    ],
)
def test_what_may_start_while_on_hold(
    hold: Hold | None, spec: str, process_id: str, expected: ErrorCode | None
) -> None:
    assert start(hold, spec, process_id) == expected


@pytest.mark.parametrize(
    ("step", "result", "hold", "expected"),
    [
        (STEP["PROC-003"], "FAIL", None, HoldEffect.OPEN_NCR),
        (Step("PROC-003", 3, "센서 검사", "x", hold_on_fail=False), "FAIL", None, HoldEffect.NONE),
        (STEP["PROC-003"], "PASS", None, HoldEffect.NONE),
        (STEP["PROC-003"], "PASS", rework("PROC-003"), HoldEffect.RELEASE),
        (STEP["PROC-002"], "PASS", rework("PROC-002"), HoldEffect.NONE),  # not the failed step
        (STEP["PROC-003"], "PASS", rework("PROC-002"), HoldEffect.RELEASE),
        (STEP["PROC-002"], "FAIL", rework("PROC-002"), HoldEffect.OPEN_NCR),  # a new NCR
    ],
)
def test_what_a_completion_does_to_the_hold(
    step: Step, result: str, hold: Hold | None, expected: HoldEffect
) -> None:
    assert completion_effect(step, result, hold) is expected


def facts(**kw: Any) -> LotFacts:
    base: dict[str, Any] = {
        "target_quantity": 10,
        "scrapped_count": 0,
        "scrapped_serials": frozenset(),
        "serials_allocated": False,
        "reworks_to": {},
    }
    return LotFacts(**{**base, **kw})


def dispose(body: dict[str, Any], failed: str = "PROC-003", **kw: Any) -> ErrorCode | str | None:
    """The error code, or the REWORK target (None for the other dispositions)."""
    try:
        target = check_disposition(LOT, ROUTING, failed, body, facts(**kw))
    except MesError as exc:
        return exc.code
    return target.process_id if target else None


S1, S2 = f"{LOT}-0001", f"{LOT}-0002"


@pytest.mark.parametrize(
    ("body", "kw", "expected"),
    [
        ({"disposition": "REWORK"}, {}, "PROC-003"),  # default: the failed step
        ({"disposition": "REWORK", "rework_from": "PROC-002"}, {}, "PROC-002"),
        ({"disposition": "REWORK", "rework_from": "PROC-004"}, {}, ErrorCode.REWORK_NOT_ALLOWED),
        ({"disposition": "REWORK", "rework_from": "PROC-001"}, {}, ErrorCode.REWORK_NOT_ALLOWED),
        ({"disposition": "REWORK", "rework_from": "PROC-009"}, {}, ErrorCode.REWORK_NOT_ALLOWED),
        ({"disposition": "REWORK"}, {"reworks_to": {"PROC-003": 1}}, "PROC-003"),
        (
            {"disposition": "REWORK"},
            {"reworks_to": {"PROC-003": 2}},
            ErrorCode.REWORK_LIMIT_REACHED,
        ),
        ({"disposition": "REWORK", "scrap_count": 1}, {}, ErrorCode.VALIDATION_ERROR),
        ({"disposition": "USE_AS_IS"}, {}, ErrorCode.REASON_REQUIRED),
        ({"disposition": "USE_AS_IS", "reason": "  "}, {}, ErrorCode.REASON_REQUIRED),
        ({"disposition": "USE_AS_IS", "reason": "deviation D-12"}, {}, None),
        (
            {"disposition": "USE_AS_IS", "reason": "ok", "rework_from": "PROC-003"},
            {},
            ErrorCode.VALIDATION_ERROR,
        ),
        ({"disposition": "SCRAP"}, {}, ErrorCode.INVALID_SCRAP),
        ({"disposition": "SCRAP", "scrap_count": 3}, {}, None),
        ({"disposition": "SCRAP", "scrap_count": 10}, {}, None),  # every unit
        (
            {"disposition": "SCRAP", "scrap_count": 9},
            {"scrapped_count": 2},
            ErrorCode.INVALID_SCRAP,
        ),
        (
            {"disposition": "SCRAP", "scrap_count": 1},
            {"serials_allocated": True},
            ErrorCode.INVALID_SCRAP,
        ),
        ({"disposition": "SCRAP", "scrap_serials": [S1]}, {}, ErrorCode.INVALID_SCRAP),
        ({"disposition": "SCRAP", "scrap_serials": [S1, S2]}, {"serials_allocated": True}, None),
        (
            {"disposition": "SCRAP", "scrap_serials": [S1, S1]},
            {"serials_allocated": True},
            ErrorCode.INVALID_SCRAP,
        ),
        (
            {"disposition": "SCRAP", "scrap_serials": ["WF-KR-251110D-002-0001"]},
            {"serials_allocated": True},
            ErrorCode.INVALID_SCRAP,
        ),
        (
            {"disposition": "SCRAP", "scrap_serials": [S1]},
            {"serials_allocated": True, "scrapped_serials": frozenset({S1})},
            ErrorCode.INVALID_SCRAP,
        ),
        (
            {"disposition": "SCRAP", "scrap_count": 1, "scrap_serials": [S1]},
            {},
            ErrorCode.INVALID_SCRAP,
        ),
    ],
)
def test_which_dispositions_are_allowed(
    body: dict[str, Any], kw: dict[str, Any], expected: ErrorCode | str | None
) -> None:
    assert dispose(body, **kw) == expected


def test_the_hold_error_names_the_failure_and_what_to_do() -> None:
    checks = [{"check": "temp_sensor", "measured": 62.4, "message": "x"}]
    err = on_hold_error(LOT, ROUTING, OPEN_AT_3, checks)
    assert err.code is ErrorCode.LOT_ON_HOLD and err.code.http_status == 409
    assert err.data["ncr_number"] == "NCR-251110-001"
    assert err.data["failed_process_id"] == "PROC-003"
    assert err.data["failed_checks"] == checks
    assert err.data["required_action_code"] == "NCR_DISPOSITION_REQUIRED"
    assert "NCR-251110-001" in err.data["required_action"]
    during = on_hold_error(LOT, ROUTING, rework("PROC-002"), checks)
    assert during.data["required_action_code"] == "REWORK_REQUIRED"
    assert during.data["rework_from"] == "PROC-002"


# -- an SPC violation on a check set to hold (ADR 0023 amendment) -------------------------
REWORKING = Hold("NCR-251110-001", "PROC-003", REWORK, "PROC-003", 3)
AWAITING = Hold("NCR-251110-001", "PROC-003", OPEN)


@pytest.mark.parametrize(
    ("status", "hold", "has_ncr", "effect"),
    [
        ("IN_PROGRESS", None, False, SpcHoldEffect.HOLD),
        ("COMPLETED", None, False, SpcHoldEffect.HOLD),  # the last step's violation
        ("IN_PROGRESS", REWORKING, False, SpcHoldEffect.HOLD),  # a new NCR takes the hold
        ("IN_PROGRESS", AWAITING, False, SpcHoldEffect.ALREADY_HELD),
        ("IN_PROGRESS", None, True, SpcHoldEffect.ALREADY_REPORTED),  # redelivered
        ("IN_PROGRESS", AWAITING, True, SpcHoldEffect.ALREADY_REPORTED),  # its FAIL's NCR
        ("CLOSED", None, False, SpcHoldEffect.CLOSED),
    ],
)
def test_what_an_spc_violation_does(
    status: str, hold: Hold | None, has_ncr: bool, effect: SpcHoldEffect
) -> None:
    assert spc_hold_effect(status, hold, has_ncr) is effect


def test_spc_failed_checks_name_the_rule_limits_and_values() -> None:
    violation = {
        "check": "test_results[T38_P170]",
        "rule": "2",
        "description": "9 points in a row on one side of the centre line",
        "value": 12.95,
        "limits_version": 2,
        "center": 12.8,
        "ucl": 13.4,
        "lcl": 12.2,
        "target": 12.8,
        "lower_limit": 11.8,
        "upper_limit": 13.8,
        "unit": "kgf",
        "points": [{"value": 12.9}] * 8 + [{"value": 12.95}],
    }
    [check] = spc_failed_checks([violation])
    assert check == {
        "check": "test_results[T38_P170]",
        "measured": 12.95,
        "target": 12.8,
        "tolerance": None,
        "lower_limit": 11.8,
        "upper_limit": 13.8,
        "unit": "kgf",
        "message": "SPC rule 2: 9 points in a row on one side of the centre line (limits v2: "
        "CL 12.8, LCL 12.2, UCL 13.4; points " + "12.9, " * 8 + "12.95)",
    }
