"""How many times a start and a completion wait for PostgreSQL (issue 16: each round trip
costs CPU on both sides and latency under load)."""

from __future__ import annotations

from mes_cli.pytest_plugin import round_trips

from .conftest import ProcessKit


async def test_start_and_complete_round_trips(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")  # warm: statements prepared on this connection
    await kit.complete(lot, "PROC-001")
    lot = await kit.new_lot()
    with round_trips(kit.db.engine) as trips:
        await kit.start(lot, "PROC-001")
        started = trips.count
        trips.reset()
        await kit.complete(lot, "PROC-001")
        completed = trips.count
    print(f"round trips: start {started}, complete {completed}")
    # BEGIN, one read (the LOT locked, its records, the worker), one write (record,
    # outbox row, notify), COMMIT.
    assert started <= 4
    assert completed <= 4
