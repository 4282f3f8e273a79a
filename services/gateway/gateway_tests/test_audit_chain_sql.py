"""The audit trail's raw statements (ADR 0014) on real PostgreSQL: rows chained in order
within a batch and across batches, old and new values from the entity's last state, an
update before its create refused without writing, and concurrent batches serialized."""

from __future__ import annotations

import asyncio

import pytest
from gateway import audit
from mes_cli.pytest_plugin import create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.events import make_event
from servicekit.db import Database, raw

LOT = {
    "product_model": "WF",
    "factory": "KR",
    "production_date": "2025-11-10",
    "shift": "D",
    "sequence": 1,
    "target_quantity": 5,
    "status": "CREATED",
    "created_at": "2025-11-10T09:00:00+09:00",
    "created_by": "m",
}
ACTOR = Actor(user_id="m", role="production_manager", source_ip="10.0.0.7")


def created(lot: str) -> Envelope:
    data = {**LOT, "lot_number": lot, "sequence": int(lot[-3:])}
    return make_event(ev.LOT_CREATED, data, source="lot-service", actor=ACTOR)


def status(lot: str, to: str) -> Envelope:
    return make_event(
        ev.LOT_STATUS_CHANGED,
        {
            "lot_number": lot,
            "from_status": "CREATED",
            "to_status": to,
            "changed_at": "2025-11-10T09:05:00+09:00",
            "changed_by": "m",
        },
        source="lot-service",
        actor=ACTOR,
    )


@pytest.fixture(scope="module")
async def db(pg_url: str):
    url = await create_database(pg_url, "gateway_audit")
    await asyncio.to_thread(migrate_service, "gateway", url)
    database = Database(url, pool_size=10)
    yield database
    await database.dispose()


async def chain(db: Database) -> dict:
    async with db.transaction() as session:
        return await audit.verify_chain(session)


async def test_rows_chain_within_and_across_batches(db: Database) -> None:
    async with db.transaction() as session:  # one batch: the tip is carried along
        await audit.record(session, created("WF-KR-251110D-001"))
        await audit.record(session, status("WF-KR-251110D-001", "IN_PROGRESS"))
    async with db.transaction() as session:
        await audit.record(session, status("WF-KR-251110D-001", "CLOSED"))
    verified = await chain(db)
    assert verified["valid"] and verified["rows_checked"] == 3
    async with db.transaction() as session:
        rows = await (await raw(session)).fetch(
            "SELECT seq, action, old_values::text AS old, new_values, source_ip "
            "FROM gateway.audit_log ORDER BY seq"
        )
        state = await (await raw(session)).fetchval(
            "SELECT state->>'status' FROM gateway.audit_entities WHERE entity_id = $1",
            "WF-KR-251110D-001",
        )
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert rows[0]["old"] == "null" and rows[0]["source_ip"] == "10.0.0.7"
    assert rows[2]["new_values"] == {"status": "CLOSED"}
    assert state == "CLOSED"


async def test_update_before_create_is_refused_and_writes_nothing(db: Database) -> None:
    before = await chain(db)
    with pytest.raises(LookupError):
        async with db.transaction() as session:
            await audit.record(session, status("WF-KR-251110D-009", "IN_PROGRESS"))
    after = await chain(db)
    assert after["valid"] and after["rows_checked"] == before["rows_checked"]


async def test_concurrent_batches_keep_one_chain(db: Database) -> None:
    async def batch(n: int) -> None:
        lot = f"WF-KR-251110D-{100 + n:03d}"
        async with db.transaction() as session:
            await audit.record(session, created(lot))
            await audit.record(session, status(lot, "IN_PROGRESS"))

    before = await chain(db)
    await asyncio.gather(*(batch(n) for n in range(8)))
    after = await chain(db)
    assert after["valid"], after
    assert after["rows_checked"] == before["rows_checked"] + 16
