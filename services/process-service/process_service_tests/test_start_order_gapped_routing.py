"""Regression: process-service's start check on a routing with gaps (10/20/30).

It found the previous step by `sequence - 1`, so on 10/20/30 no step had one and any step
could start first. It now uses routing_progress (highest earlier sequence).
"""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError
from process_service.domain import Record, Step, check_can_start

pytestmark = pytest.mark.unit

LOT = "WF2612030D001"
ROUTING = [
    Step("PROC-001", 10, "레이저 마킹", "Laser marking"),
    Step("PROC-002", 20, "LMA 조립", "LMA assembly"),
    Step("PROC-003", 30, "센서 검사", "Sensor inspection"),
]


@pytest.mark.parametrize(
    ("step", "latest", "previous"),
    [
        (ROUTING[1], {}, "PROC-001"),
        (ROUTING[2], {"PROC-001": Record("PROC-001", True, "PASS")}, "PROC-002"),
        (
            ROUTING[2],
            {
                "PROC-001": Record("PROC-001", True, "PASS"),
                "PROC-002": Record("PROC-002", False, None),
            },
            "PROC-002",
        ),
    ],
    ids=["20 before 10", "30 before 20", "30 while 20 is open"],
)
def test_a_gapped_routing_keeps_the_order_check(step, latest, previous):
    with pytest.raises(MesError) as raised:
        check_can_start(LOT, ROUTING, step, latest)
    assert raised.value.code == ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    assert raised.value.data["previous_process_id"] == previous


def test_a_gapped_routing_lets_the_next_step_start():
    latest = {
        "PROC-001": Record("PROC-001", True, "PASS"),
        "PROC-002": Record("PROC-002", True, "FAIL"),
    }
    assert check_can_start(LOT, ROUTING, ROUTING[2], latest) is None
