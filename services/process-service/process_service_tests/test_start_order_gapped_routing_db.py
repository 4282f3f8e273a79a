"""Regression on real PostgreSQL: process-service's start keeps the routing order when the
routing is numbered with gaps (10/20/…/80). There is no API to edit a routing (it is seeded
from DEFAULT_ROUTING, ADR 0020), so the test renumbers process-service's own copy, as a
routing editor would, and drops the cached routing."""

from __future__ import annotations

import pytest
from mes_contracts.errors import ErrorCode, MesError

from .conftest import ProcessKit


@pytest.fixture(scope="module")
async def gapped(kit: ProcessKit) -> ProcessKit:
    from servicekit.db import raw

    async with kit.db.transaction() as session:
        await (await raw(session)).execute(
            "UPDATE process.routing_steps SET sequence = sequence * 10 WHERE product_model = 'WF'"
        )
    kit.service.routing.invalidate("WF")
    return kit


async def _refused(kit: ProcessKit, lot: str, process_id: str) -> MesError:
    with pytest.raises(MesError) as raised:
        await kit.start(lot, process_id)
    return raised.value


async def test_the_routing_is_gapped(gapped: ProcessKit) -> None:
    rows = await gapped.fetch(
        "SELECT sequence FROM process.routing_steps WHERE product_model = 'WF' ORDER BY 1"
    )
    assert [r["sequence"] for r in rows] == [10, 20, 30, 40, 50, 60, 70, 80]


async def test_a_step_waits_for_the_step_before_its_gap(gapped: ProcessKit) -> None:
    lot = await gapped.new_lot()
    refused = await _refused(gapped, lot, "PROC-002")
    assert refused.code == ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    assert refused.data["previous_process_id"] == "PROC-001"

    await gapped.start(lot, "PROC-001")
    assert (await _refused(gapped, lot, "PROC-002")).code == (
        ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    )
    await gapped.complete(lot, "PROC-001")
    refused = await _refused(gapped, lot, "PROC-003")
    assert refused.data["previous_process_id"] == "PROC-002"

    started = await gapped.start(lot, "PROC-002")
    assert started["sequence_number"] == 20
    assert (await _refused(gapped, lot, "PROC-001")).code == ErrorCode.DUPLICATE_START
