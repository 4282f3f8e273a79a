"""When a LOT may close (ADR 0025), as a plain function: its status, open steps and open
NCRs in, the contract's error (or none) out."""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError
from process_service.closing import check_can_close

pytestmark = pytest.mark.unit

LOT = "WF-KR-261203D-001"
STEP = ["PROC-003"]
NCR = ["NCR-261203-001"]
E = ErrorCode


@pytest.mark.parametrize(
    ("status", "open_steps", "open_ncrs", "force", "reason", "refused"),
    [
        ("CREATED", [], [], False, None, None),
        ("IN_PROGRESS", [], [], False, "shipped", None),
        ("COMPLETED", [], [], False, None, None),
        ("IN_PROGRESS", STEP, [], False, "shipped", E.LOT_HAS_OPEN_STEPS),
        ("IN_PROGRESS", STEP, [], True, "tester broke down", None),
        ("IN_PROGRESS", [], NCR, False, "shipped", E.LOT_HAS_OPEN_NCR),
        ("IN_PROGRESS", [], NCR, True, "deviation signed", None),
        ("IN_PROGRESS", STEP, NCR, False, None, E.LOT_HAS_OPEN_NCR),
        ("IN_PROGRESS", STEP, [], True, None, E.VALIDATION_ERROR),
        ("IN_PROGRESS", STEP, [], True, "   ", E.VALIDATION_ERROR),
        ("IN_PROGRESS", [], [], True, None, E.VALIDATION_ERROR),  # force always says why
        ("CLOSED", [], [], False, None, E.LOT_CLOSED),
        ("CLOSED", STEP, NCR, True, "again", E.LOT_CLOSED),
    ],
)
def test_a_lot_closes_only_with_nothing_open_or_by_force_with_a_reason(
    status: str,
    open_steps: list[str],
    open_ncrs: list[str],
    force: bool,
    reason: str | None,
    refused: ErrorCode | None,
) -> None:
    def close() -> None:
        check_can_close(LOT, status, open_steps, force=force, reason=reason, open_ncrs=open_ncrs)

    if refused is None:
        close()
        return
    with pytest.raises(MesError) as error:
        close()
    assert error.value.code is refused
    if refused is E.LOT_HAS_OPEN_STEPS:
        assert error.value.data["open_steps"] == open_steps
    if refused is E.LOT_HAS_OPEN_NCR:
        assert error.value.data["open_ncrs"] == open_ncrs
    if refused in (E.LOT_HAS_OPEN_STEPS, E.LOT_HAS_OPEN_NCR):
        assert error.value.data["required_action"]
