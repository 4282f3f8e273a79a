"""The routing-order rule at start (`check_can_start`, FR-PROC-003) and the completion
digest, as plain functions: a LOT's history in, the contract's error (or none) out."""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.routing import DEFAULT_ROUTING
from process_service.domain import Record, Step, check_can_start, completion_digest

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"
ROUTING = [Step(s.process_id, s.sequence, s.name_ko, s.name_en) for s in DEFAULT_ROUTING]
#: The same kind of routing numbered with gaps, as a routing edited later would be.
GAPPED = [
    Step("PROC-001", 10, "레이저 마킹", "Laser marking"),
    Step("PROC-002", 20, "LMA 조립", "LMA assembly"),
    Step("PROC-003", 30, "센서 검사", "Sensor inspection"),
]

DUPLICATE = ErrorCode.DUPLICATE_START
ORDER = ErrorCode.INVALID_PROCESS_SEQUENCE
PREVIOUS = ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED


def history(spec: str) -> dict[str, Record]:
    """`"001:P 002:S"` → latest records: P/F completed PASS/FAIL, S started (open)."""
    latest = {}
    for item in spec.split():
        number, state = item.split(":")
        pid = f"PROC-{number}"
        latest[pid] = Record(pid, state != "S", {"P": "PASS", "F": "FAIL"}.get(state))
    return latest


def outcome(routing: list[Step], process_id: str, spec: str) -> ErrorCode | None:
    step = next(s for s in routing if s.process_id == process_id)
    try:
        check_can_start(LOT, routing, step, history(spec))
    except MesError as exc:
        return exc.code
    return None


ALL_BEFORE_8 = " ".join(f"00{n}:P" for n in range(1, 8))


@pytest.mark.parametrize(
    ("process_id", "spec", "expected"),
    [
        ("PROC-001", "", None),  # the first step needs nothing
        ("PROC-002", "", PREVIOUS),
        ("PROC-002", "001:S", PREVIOUS),  # started is not completed
        ("PROC-002", "001:P", None),
        ("PROC-002", "001:F", None),  # a FAIL completion is a recorded defect: order holds
        ("PROC-001", "001:S", DUPLICATE),
        ("PROC-001", "001:P", DUPLICATE),  # a PASS is never redone
        ("PROC-001", "001:F", None),  # a FAIL may be reworked by starting again
        ("PROC-001", "001:F 002:S", ORDER),  # not once a later step has started
        ("PROC-002", "001:P 002:P 003:S", DUPLICATE),  # its own record is judged first
        ("PROC-002", "001:P 002:F 003:P", ORDER),
        ("PROC-008", ALL_BEFORE_8, None),
        ("PROC-008", ALL_BEFORE_8.replace("007:P", "007:S"), PREVIOUS),
    ],
)
def test_default_routing(process_id: str, spec: str, expected: ErrorCode | None) -> None:
    assert outcome(ROUTING, process_id, spec) == expected


@pytest.mark.parametrize(
    ("process_id", "spec", "expected"),
    [
        ("PROC-001", "", None),
        ("PROC-002", "001:P", None),
        ("PROC-003", "001:P 002:P", None),
        ("PROC-001", "001:S", DUPLICATE),
        ("PROC-001", "001:F 002:S", ORDER),
        pytest.param("PROC-002", "", PREVIOUS),
        pytest.param("PROC-003", "001:P 002:S", PREVIOUS),
        pytest.param("PROC-003", "001:P", PREVIOUS),
    ],
)
def test_routing_with_gaps_10_20_30(process_id: str, spec: str, expected: ErrorCode | None) -> None:
    assert outcome(GAPPED, process_id, spec) == expected


def test_the_errors_name_what_blocks_the_start() -> None:
    with pytest.raises(MesError) as previous:
        check_can_start(LOT, ROUTING, ROUTING[2], history("001:P 002:S"))
    assert previous.value.data["previous_process_id"] == "PROC-002"
    assert previous.value.data["current_process"] == ROUTING[2].name_ko
    with pytest.raises(MesError) as order:
        check_can_start(LOT, ROUTING, ROUTING[0], history("001:F 002:P 003:S"))
    assert order.value.data["already_started"] == ["PROC-002", "PROC-003"]
    with pytest.raises(MesError) as duplicate:
        check_can_start(LOT, ROUTING, ROUTING[0], history("001:S"))
    assert duplicate.value.data["state"] == "IN_PROGRESS"


BODY = {
    "lot_number": LOT,
    "process_id": "PROC-003",
    "worker_id": "W001",
    "start_time": "2025-11-10T09:00:00+09:00",
    "complete_time": "2025-11-10T09:05:00+09:00",
    "process_data": {"overall_result": "PASS", "temp": 60.1},
}


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (dict(reversed(BODY.items())), True),  # key order does not count
        ({**BODY, "note": "sent twice"}, True),  # nor fields outside the file's content
        ({**BODY, "process_data": {"temp": 60.1, "overall_result": "PASS"}}, True),
        ({**BODY, "process_data": {"overall_result": "PASS", "temp": 60.2}}, False),
        ({**BODY, "complete_time": "2025-11-10T09:05:01+09:00"}, False),
        ({**BODY, "worker_id": "W002"}, False),
        ({k: v for k, v in BODY.items() if k != "worker_id"}, False),
    ],
)
def test_completion_digest_is_the_files_content(other: dict, same: bool) -> None:
    assert (completion_digest(other) == completion_digest(BODY)) is same
