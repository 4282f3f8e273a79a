"""When a LOT may close (ADR 0025), as a plain function: its status and open steps in,
the contract's error (or none) out."""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError
from process_service.closing import check_can_close

pytestmark = pytest.mark.unit

LOT = "WF-KR-261203D-001"


@pytest.mark.parametrize(
    ("status", "open_steps", "force", "reason", "refused"),
    [
        ("CREATED", [], False, None, None),
        ("IN_PROGRESS", [], False, "shipped", None),
        ("COMPLETED", [], False, None, None),
        ("IN_PROGRESS", ["PROC-003"], False, "shipped", ErrorCode.LOT_HAS_OPEN_STEPS),
        ("IN_PROGRESS", ["PROC-003"], True, "tester broke down", None),
        ("IN_PROGRESS", ["PROC-003"], True, None, ErrorCode.VALIDATION_ERROR),
        ("IN_PROGRESS", ["PROC-003"], True, "   ", ErrorCode.VALIDATION_ERROR),
        ("IN_PROGRESS", [], True, None, ErrorCode.VALIDATION_ERROR),  # force always says why
        ("CLOSED", [], False, None, ErrorCode.LOT_CLOSED),
        ("CLOSED", ["PROC-003"], True, "again", ErrorCode.LOT_CLOSED),
    ],
)
def test_a_lot_closes_only_with_nothing_open_or_by_force_with_a_reason(
    status: str, open_steps: list[str], force: bool, reason: str | None, refused: ErrorCode | None
) -> None:
    if refused is None:
        check_can_close(LOT, status, open_steps, force=force, reason=reason)
        return
    with pytest.raises(MesError) as error:
        check_can_close(LOT, status, open_steps, force=force, reason=reason)
    assert error.value.code is refused
    if refused is ErrorCode.LOT_HAS_OPEN_STEPS:
        assert error.value.data["open_steps"] == open_steps
        assert error.value.data["required_action"]
