"""The audit trail: who changed what (old → new), from every service, append-only and
hash-chained so that an edited row is detected."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import asyncpg
import pytest
import redis
from gateway.audit import _CHAIN_LOCK as CHAIN_LOCK
from gateway.audit_anchor import STREAM as ANCHOR_STREAM
from gateway.audit_anchor import AnchorKey, Checkpoint, now_iso
from mes_cli.keys import generate_keypair
from mes_cli.pytest_plugin import eventually

from .conftest import Client


def _entries(admin: Client, **filters: str) -> list[dict]:
    r = admin.get("/api/v1/audit", params={**filters, "limit": 50})
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def test_user_create_update_delete_are_audited_with_old_and_new_values(admin: Client):
    username = f"auditee-{uuid.uuid4().hex[:6]}"
    request_id = uuid.uuid4().hex
    r = admin.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": "a-long-password-1",
            "role": "viewer",
            "display_name": "Before",
        },
        headers={"X-Request-ID": request_id},
    )
    assert r.status_code == 201, r.text
    assert (
        admin.patch(f"/api/v1/users/{username}", json={"display_name": "After"}).status_code == 200
    )
    assert admin.delete(f"/api/v1/users/{username}").status_code == 200

    rows = eventually(
        lambda: (e := _entries(admin, entity_type="user", entity_id=username)) and len(e) == 3 and e
    )
    delete, update, create = rows  # newest first
    assert create["action"] == "create" and create["old_values"] is None
    assert (
        create["new_values"]["role"] == "viewer"
        and create["new_values"]["display_name"] == "Before"
    )
    assert "password" not in str(create["new_values"]) and "password_hash" not in str(
        create["new_values"]
    )
    assert create["user_id"] == "admin" and create["role"] == "admin"
    assert create["source_ip"] == "127.0.0.1"
    assert create["correlation_id"] == request_id
    assert update["action"] == "update"
    assert (
        update["old_values"]["display_name"] == "Before"
        and update["new_values"]["display_name"] == "After"
    )
    assert delete["action"] == "delete"
    assert delete["old_values"]["active"] is True and delete["new_values"]["active"] is False


def test_lot_changes_from_another_service_are_audited(admin: Client, manager: Client):
    lot = manager.post(
        "/api/v1/lots", json={"product_model": "WF", "target_quantity": 10, "shift": "D"}
    ).json()["data"]
    number = lot["lot_number"]
    assert (
        manager.post(f"/api/v1/lots/{number}/close", json={"reason": "audit test"}).status_code
        == 200
    )
    rows = eventually(
        lambda: (e := _entries(admin, entity_type="lot", entity_id=number)) and len(e) == 2 and e
    )
    closed, created = rows
    assert created["action"] == "create" and created["service"] == "lot-service"
    assert created["new_values"]["target_quantity"] == 10 and created["user_id"] == "manager"
    assert (
        closed["old_values"]["status"] == "CREATED" and closed["new_values"]["status"] == "CLOSED"
    )
    assert closed["role"] == "production_manager"


def test_a_burst_of_changes_is_chained_once_each_in_order(admin: Client, manager: Client):
    """Events arriving together are audited in batches (one transaction, the chain's tip
    carried along): every change gets one row and the chain stays valid."""

    def create(_: int) -> str:
        r = manager.post(
            "/api/v1/lots", json={"product_model": "WF", "shift": "N", "target_quantity": 1}
        )
        assert r.status_code == 201, r.text
        return r.json()["data"]["lot_number"]

    with ThreadPoolExecutor(8) as pool:
        lots = list(pool.map(create, range(24)))
    for lot in lots:
        eventually(lambda lot=lot: _entries(admin, entity_type="lot", entity_id=lot))
    for lot in lots:
        created = [
            e for e in _entries(admin, entity_type="lot", entity_id=lot) if e["action"] == "create"
        ]
        assert len(created) == 1, (lot, created)
    assert admin.get("/api/v1/audit/verify").json()["data"]["valid"] is True


def test_the_chain_detects_an_edited_row(admin: Client, stack):
    eventually(lambda: _entries(admin))
    assert admin.get("/api/v1/audit/verify").json()["data"]["valid"] is True
    target = _entries(admin)[-1]["seq"]

    async def tamper() -> None:
        conn = await asyncpg.connect(_dsn(stack.database_url))
        try:
            # The table refuses changes outright…
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute(
                    "UPDATE gateway.audit_log SET user_id = 'mallory' WHERE seq = $1", target
                )
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute("DELETE FROM gateway.audit_log WHERE seq = $1", target)
            # …so a superuser who disables the trigger is what the chain must catch.
            original = await conn.fetchval(
                "SELECT user_id FROM gateway.audit_log WHERE seq = $1", target
            )
            await conn.execute(
                "ALTER TABLE gateway.audit_log DISABLE TRIGGER audit_log_append_only"
            )
            await conn.execute(
                "UPDATE gateway.audit_log SET user_id = 'mallory' WHERE seq = $1", target
            )
            result = admin.get("/api/v1/audit/verify").json()["data"]
            assert result["valid"] is False
            assert result["first_broken_seq"] == target
            # Put it back, so the rest of the suite sees an intact chain again.
            await conn.execute(
                "UPDATE gateway.audit_log SET user_id = $2 WHERE seq = $1", target, original
            )
            await conn.execute("ALTER TABLE gateway.audit_log ENABLE TRIGGER audit_log_append_only")
        finally:
            await conn.close()

    asyncio.run(tamper())
    assert admin.get("/api/v1/audit/verify").json()["data"]["valid"] is True


# -- the anchor: the chain's head, signed, outside the database (ADR 0010) ----------------


def _verify(admin: Client) -> dict:
    r = admin.get("/api/v1/audit/verify")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _anchored(admin: Client) -> dict:
    """/audit/verify once the anchor has caught up with the chain's newest row."""

    def caught_up() -> dict | None:
        data = _verify(admin)
        anchor = data["anchor"]
        return data if anchor and data["tip"] and anchor["seq"] == data["tip"]["seq"] else None

    return eventually(caught_up, timeout=30, what="the anchor at the chain's head")


def _audited_changes(admin: Client, count: int) -> None:
    """`count` new audit rows (a user created, then renamed count-1 times)."""
    username = f"anchored-{uuid.uuid4().hex[:6]}"
    body = {"username": username, "password": "a-long-password-1", "role": "viewer"}
    assert admin.post("/api/v1/users", json={**body, "display_name": "v0"}).status_code == 201
    for n in range(1, count):
        r = admin.patch(f"/api/v1/users/{username}", json={"display_name": f"v{n}"})
        assert r.status_code == 200, r.text
    eventually(
        lambda: len(_entries(admin, entity_type="user", entity_id=username)) == count,
        what="the changes audited",
    )


def test_an_intact_chain_verifies_against_its_signed_anchor(admin: Client, stack):
    _audited_changes(admin, 2)
    data = _anchored(admin)
    assert data["valid"] is True, data
    assert data["tail"] is None and data["forged_checkpoints"] == []
    assert data["anchor"]["hash"] == data["tip"]["hash"]
    # Where it is kept: the Redis stream, and the file beside the keys (launcher default).
    stream = redis.Redis.from_url(stack.redis_url).xrevrange(ANCHOR_STREAM, count=1)
    assert json.loads(stream[0][1][b"checkpoint"])["seq"] == data["anchor"]["seq"]
    stored = json.loads((stack.config.data_dir / "audit" / "anchor.json").read_text())
    assert stored["seq"] == data["anchor"]["seq"] and stored["sig"]


def _holds(stack) -> int:
    """How often the gateway has logged that the anchor does not follow the chain."""
    log = stack.log_file("gateway").read_text(errors="replace")
    return log.count("no longer holds its anchored head")


def test_a_cut_tail_is_reported_with_the_missing_rows_until_an_admin_reanchors(
    admin: Client, stack
):
    _audited_changes(admin, 3)
    holds_before = _holds(stack)

    async def cut_tail_and_reanchor() -> int:
        conn = await asyncpg.connect(_dsn(stack.database_url))
        # Hold the chain's lock, so that no row is appended while we look, and delete the two
        # newest rows as the database's owner can: with the trigger disabled.
        await conn.execute("SELECT pg_advisory_lock($1)", CHAIN_LOCK)
        try:
            tip = _anchored(admin)["tip"]["seq"]
            await conn.execute(
                "ALTER TABLE gateway.audit_log DISABLE TRIGGER audit_log_append_only"
            )
            await conn.execute("DELETE FROM gateway.audit_log WHERE seq > $1", tip - 2)
            await conn.execute("ALTER TABLE gateway.audit_log ENABLE TRIGGER audit_log_append_only")

            # The rows that are left chain perfectly: only the anchor sees the cut.
            data = _verify(admin)
            assert data["valid"] is False and data["reason"] == "cut tail", data
            assert data["rows_checked"] == tip - 2 and data["first_broken_seq"] == tip - 1
            tail = data["tail"]
            assert (tail["state"], tail["missing_from_seq"], tail["missing_to_seq"]) == (
                "cut",
                tip - 1,
                tip,
            )
            # The checkpointer's next round refuses to anchor the cut chain (that would hide
            # the cut): the anchor stays, and so does the finding.
            eventually(lambda: _holds(stack) > holds_before, timeout=30, what="anchor held")
            assert _verify(admin)["tail"]["missing_to_seq"] == tip

            # As after restoring an older backup: an admin acknowledges it, with a reason.
            assert admin.post("/api/v1/audit/anchor", json={"reason": ""}).status_code == 400
            r = admin.post("/api/v1/audit/anchor", json={"reason": "restored the 02:00 backup"})
            assert r.status_code == 200, r.text
            acknowledged = r.json()["data"]["acknowledged"]["tail"]
            assert (acknowledged["missing_from_seq"], acknowledged["missing_to_seq"]) == (
                tip - 1,
                tip,
            )
            return tip
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", CHAIN_LOCK)
            await conn.close()

    tip = asyncio.run(cut_tail_and_reanchor())
    data = _verify(admin)
    assert data["valid"] is True, data
    reanchor = data["reanchors"][0]
    assert reanchor["by"] == "admin" and reanchor["reason"] == "restored the 02:00 backup"
    assert reanchor["seq"] == tip - 2 and reanchor["replaces"]["seq"] == tip
    events = admin.get("/api/v1/audit/auth-events", params={"username": "admin"}).json()
    assert any(e["action"] == "audit_reanchor" for e in events["data"]["items"])
    # Nothing left to acknowledge: a second re-anchor is refused.
    again = admin.post("/api/v1/audit/anchor", json={"reason": "once more"})
    assert again.status_code == 409 and again.json()["error_code"] == "AUDIT_ANCHOR_INTACT"
    # And the anchor moves on with the chain again.
    _audited_changes(admin, 1)
    assert _anchored(admin)["valid"] is True


def test_forged_and_unsigned_checkpoints_are_reported(admin: Client, stack):
    _audited_changes(admin, 1)
    head = _anchored(admin)["anchor"]
    client = redis.Redis.from_url(stack.redis_url)
    genuine = json.loads(client.xrevrange(ANCHOR_STREAM, count=1)[0][1][b"checkpoint"])
    # Claims of an earlier head, as someone hiding a cut tail would write them.
    claim = Checkpoint(head["seq"] - 1, "f" * 64, now_iso())
    unsigned = json.dumps(asdict(claim)).encode()
    other_key = AnchorKey(generate_keypair()[0]).seal(claim)
    edited = json.dumps({**genuine, "seq": head["seq"] - 1}).encode()  # the signature kept
    ids = [
        client.xadd(ANCHOR_STREAM, {"checkpoint": raw}).decode()
        for raw in (unsigned, other_key, edited)
    ]
    anchor_file = stack.config.data_dir / "audit" / "anchor.json"
    anchor_file.write_bytes(unsigned)

    data = _verify(admin)
    assert data["valid"] is False and data["reason"] == "forged checkpoint", data
    forged = {f.get("entry_id", f["source"]): f["reason"] for f in data["forged_checkpoints"]}
    assert forged == {
        ids[2]: "bad signature",
        ids[1]: "signed with another key",
        ids[0]: "unsigned",
        "file": "unsigned",
    }
    # None of them is taken for the anchor: the genuine head still is.
    assert data["anchor"]["seq"] == head["seq"] and data["tail"] is None

    r = admin.post("/api/v1/audit/anchor", json={"reason": "forged checkpoints investigated"})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["acknowledged"]["forged"]) == 4
    data = _verify(admin)
    assert data["valid"] is True and data["forged_checkpoints"] == [], data
    assert json.loads(anchor_file.read_text())["kind"] == "reanchor"
