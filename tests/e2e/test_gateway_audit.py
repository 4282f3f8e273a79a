"""The audit trail: who changed what (old → new), from every service, append-only and
hash-chained so that an edited row is detected."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest
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
