"""routing_progress: order, start checks and progress, on gapped and default routings."""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.routing import DEFAULT_ROUTING
from mes_contracts.routing_progress import (
    Step,
    StepRecord,
    StepState,
    check_can_start,
    find_step,
    is_last_step,
    latest_records,
    next_step,
    previous_step,
    progress,
    start_refusal,
)

pytestmark = pytest.mark.unit

LOT = "WF2612030D001"
A, B, C = Step("P-A", 10, "가"), Step("P-B", 20, "나"), Step("P-C", 30, "다")
GAPPED = [C, A, B]  # given out of order on purpose: order is by sequence only


def done(pid: str, result: str = "PASS", attempt: int = 0) -> StepRecord:
    return StepRecord(pid, True, result, attempt)


def open_(pid: str, attempt: int = 0) -> StepRecord:
    return StepRecord(pid, False, None, attempt)


@pytest.mark.parametrize(
    ("step", "previous", "following", "last"),
    [(A, None, B, False), (B, A, C, False), (C, B, None, True)],
    ids=["first", "middle", "last"],
)
def test_neighbours_on_a_gapped_routing(step, previous, following, last):
    assert previous_step(GAPPED, step) == previous
    assert next_step(GAPPED, step) == following
    assert is_last_step(GAPPED, step) is last


def test_neighbours_on_the_default_routing():
    proc4 = find_step(DEFAULT_ROUTING, "PROC-004")
    assert proc4 is not None
    assert previous_step(DEFAULT_ROUTING, proc4).process_id == "PROC-003"
    assert next_step(DEFAULT_ROUTING, proc4).process_id == "PROC-005"
    assert find_step(DEFAULT_ROUTING, "PROC-999") is None


# (case, step, records, expected error code or None, expected data subset)
START_CASES = [
    ("first step, nothing yet", A, [], None, {}),
    (
        "gap: 20 before 10 completed",  # the sequence-1 bug let this through
        B,
        [],
        ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
        {"previous_process_id": "P-A", "previous_process": "가", "current_process": "나"},
    ),
    (
        "gap: 30 while 20 is in progress",
        C,
        [done("P-A"), open_("P-B")],
        ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
        {"previous_process_id": "P-B", "required_action": "나 공정을 먼저 완료해주세요"},
    ),
    ("gap: 20 after 10 passed", B, [done("P-A")], None, {}),
    ("a FAIL satisfies the order", B, [done("P-A", "FAIL")], None, {}),
    (
        "last step after all before",
        C,
        [done("P-A"), done("P-B")],
        None,
        {},
    ),
    (
        "in progress: duplicate",
        A,
        [open_("P-A")],
        ErrorCode.DUPLICATE_START,
        {"process_id": "P-A", "process_name": "가", "state": "IN_PROGRESS"},
    ),
    (
        "passed: duplicate",
        A,
        [done("P-A")],
        ErrorCode.DUPLICATE_START,
        {"state": "COMPLETED"},
    ),
    ("failed: rework allowed", A, [done("P-A", "FAIL")], None, {}),
    (
        "rework once passed: duplicate (latest attempt counts)",
        A,
        [done("P-A", "FAIL", 1), done("P-A", "PASS", 2)],
        ErrorCode.DUPLICATE_START,
        {"state": "COMPLETED"},
    ),
    (
        "attempts out of order: attempt 2 is the latest",
        A,
        [done("P-A", "PASS", 2), done("P-A", "FAIL", 1)],
        ErrorCode.DUPLICATE_START,
        {"state": "COMPLETED"},
    ),
    (
        "going back after a later step started",
        A,
        [done("P-A", "FAIL"), done("P-B"), open_("P-C")],
        ErrorCode.INVALID_PROCESS_SEQUENCE,
        {
            "current_process": "가",
            "already_started": ["P-B", "P-C"],
            "required_action": "다 이후 공정만 착공할 수 있습니다",
        },
    ),
    ("a record of a process not in the routing is ignored", B, [done("P-A"), done("X")], None, {}),
]


@pytest.mark.parametrize(
    ("step", "records", "code", "data"),
    [c[1:] for c in START_CASES],
    ids=[c[0] for c in START_CASES],
)
def test_start_refusal(step, records, code, data):
    refusal = start_refusal(LOT, GAPPED, step, latest_records(records))
    if code is None:
        assert refusal is None
        check_can_start(LOT, GAPPED, step, latest_records(records))
        return
    assert refusal is not None and refusal.code == code
    assert refusal.data["lot_number"] == LOT
    assert data.items() <= refusal.data.items()
    with pytest.raises(MesError) as raised:
        check_can_start(LOT, GAPPED, step, latest_records(records))
    assert raised.value.code == code and raised.value.data == refusal.data


def test_the_default_routing_keeps_its_order_check():
    proc3 = find_step(DEFAULT_ROUTING, "PROC-003")
    latest = latest_records([done("PROC-001")])
    refusal = start_refusal(LOT, DEFAULT_ROUTING, proc3, latest)
    assert refusal is not None and refusal.code == ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    assert refusal.data["previous_process_id"] == "PROC-002"


# (case, records, current process, its state, next process, percent, done)
PROGRESS_CASES = [
    ("nothing yet", [], None, None, "P-A", 0, False),
    ("first in progress", [open_("P-A")], "P-A", StepState.IN_PROGRESS, None, 0, False),
    ("first passed", [done("P-A")], "P-A", StepState.COMPLETED, "P-B", 33, False),
    (
        "second failed: it completes the step",
        [done("P-A"), done("P-B", "FAIL")],
        "P-B",
        StepState.COMPLETED,
        "P-C",
        67,
        False,
    ),
    (
        "rework in progress after a FAIL",
        [done("P-A"), done("P-B", "FAIL", 1), open_("P-B", 2)],
        "P-B",
        StepState.IN_PROGRESS,
        None,
        33,
        False,
    ),
    (
        "records given out of order",
        [done("P-C"), done("P-A"), done("P-B")],
        "P-C",
        StepState.COMPLETED,
        None,
        100,
        True,
    ),
    (
        "last step failed: not done",
        [done("P-A"), done("P-B"), done("P-C", "FAIL")],
        "P-C",
        StepState.COMPLETED,
        None,
        100,
        False,
    ),
    ("unknown process counts for nothing", [done("X")], None, None, "P-A", 0, False),
]


@pytest.mark.parametrize(
    ("records", "current", "state", "following", "percent", "is_done"),
    [c[1:] for c in PROGRESS_CASES],
    ids=[c[0] for c in PROGRESS_CASES],
)
def test_progress(records, current, state, following, percent, is_done):
    where = progress(GAPPED, records)
    assert [s.step.sequence for s in where.steps] == [10, 20, 30]
    assert (where.current.step.process_id if where.current else None) == current
    assert (where.current.state if where.current else None) == state
    assert (where.next.process_id if where.next else None) == following
    assert where.percent == percent
    assert where.done is is_done


def test_progress_counts_attempts_and_keeps_the_latest_result():
    where = progress(GAPPED, [done("P-A", "FAIL", 1), done("P-A", "PASS", 2)])
    first = where.steps[0]
    assert (first.attempts, first.result, first.state) == (2, "PASS", StepState.COMPLETED)
    assert [s.state for s in where.steps[1:]] == [StepState.NOT_STARTED] * 2


def test_progress_of_an_empty_routing():
    where = progress([], [done("P-A")])
    assert (where.steps, where.current, where.next, where.percent, where.done) == (
        (),
        None,
        None,
        0,
        False,
    )


def test_progress_on_the_default_routing():
    where = progress(DEFAULT_ROUTING, [done(f"PROC-00{i}") for i in range(1, 9)])
    assert where.percent == 100 and where.done
    assert progress(DEFAULT_ROUTING, [done("PROC-001")]).percent == 12  # round(12.5)
