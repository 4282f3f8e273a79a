"""Identity store: users, roles and worker ids; every change is published as user.* events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import Role
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import users
from .passwords import hash_password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    worker_id: str | None
    display_name: str


# Known demo passwords for a dev stack only (listed in the README; never seeded in prod).
DEMO_ACCOUNTS = (
    DemoAccount("admin", "demo-admin-1234", Role.ADMIN, None, "System Admin"),
    DemoAccount(
        "manager", "demo-manager-1234", Role.PRODUCTION_MANAGER, None, "Production Manager"
    ),
    DemoAccount("quality", "demo-quality-1234", Role.QUALITY_MANAGER, None, "Quality Manager"),
    DemoAccount("viewer", "demo-viewer-1234", Role.VIEWER, None, "Executive Viewer"),
    DemoAccount("w001", "demo-worker-1234", Role.WORKER, "W001", "Worker W001"),
    DemoAccount("w002", "demo-worker-1234", Role.WORKER, "W002", "Worker W002"),
)
_EDITABLE = ("role", "worker_id", "display_name", "active")
DEMO_PASSWORDS = frozenset(a.password for a in DEMO_ACCOUNTS)


def public_view(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": user["username"],
        "role": user["role"],
        "worker_id": user["worker_id"],
        "display_name": user["display_name"],
        "active": user["active"],
        "created_at": user["created_at"].isoformat() if user.get("created_at") else None,
        "updated_at": user["updated_at"].isoformat() if user.get("updated_at") else None,
    }


def _snapshot(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": user["username"],
        "role": user["role"],
        "worker_id": user["worker_id"],
        "display_name": user["display_name"],
        "active": user["active"],
        "changed_at": user["updated_at"],
    }


async def get_user(
    session: AsyncConnection, username: str, *, for_update: bool = False
) -> dict | None:
    stmt = select(users).where(users.c.username == username)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def list_users(
    session: AsyncConnection, *, role: str | None, active: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    conditions = []
    if role:
        conditions.append(users.c.role == role)
    if active is not None:
        conditions.append(users.c.active == active)
    query = select(users).where(*conditions).order_by(users.c.username).limit(limit).offset(offset)
    count = select(func.count()).select_from(users).where(*conditions)
    rows = [dict(r._mapping) for r in await session.execute(query)]
    return rows, (await session.execute(count)).scalar_one()


async def create_user_if_missing(
    runtime: ServiceRuntime,
    session: AsyncConnection,
    *,
    username: str,
    password: str,
    role: Role,
    worker_id: str | None,
    display_name: str,
    actor: Actor,
    correlation_id: str | None = None,
) -> bool:
    now = datetime.now(UTC)
    row = {
        "username": username,
        "password_hash": hash_password(password),
        "role": role.value,
        "worker_id": worker_id,
        "display_name": display_name,
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with session.begin_nested():
            created = (
                await session.execute(
                    insert(users)
                    .values(**row)
                    .on_conflict_do_nothing(index_elements=["username"])
                    .returning(users.c.username)
                )
            ).first()
    except IntegrityError as exc:  # the worker id belongs to someone else
        raise MesError(
            ErrorCode.CONFLICT, data={"worker_id": worker_id, "reason": "worker id in use"}
        ) from exc
    if created is None:
        return False
    await runtime.publish(
        session,
        runtime.event(ev.USER_CREATED, _snapshot(row), actor=actor, correlation_id=correlation_id),
    )
    return True


async def update_user(
    runtime: ServiceRuntime,
    session: AsyncConnection,
    username: str,
    changes: dict[str, Any],
    *,
    actor: Actor,
    correlation_id: str | None,
) -> dict[str, Any]:
    """Apply `changes` (role, worker_id, display_name, active, password) and publish them."""
    current = await get_user(session, username, for_update=True)
    if current is None:
        raise MesError(ErrorCode.USER_NOT_FOUND, data={"username": username})
    values = {k: v for k, v in changes.items() if k in _EDITABLE}
    if "role" in values:
        values["role"] = Role(values["role"]).value
    if changes.get("password"):
        values["password_hash"] = hash_password(changes["password"])
    values["updated_at"] = datetime.now(UTC)
    try:
        async with session.begin_nested():
            await session.execute(
                update(users).where(users.c.username == username).values(**values)
            )
    except IntegrityError as exc:
        raise MesError(
            ErrorCode.CONFLICT,
            data={"worker_id": values.get("worker_id"), "reason": "worker id in use"},
        ) from exc
    after = {**current, **values}
    deactivated = current["active"] and not after["active"]
    payload = _snapshot(after)
    if deactivated:
        event_type = ev.USER_DEACTIVATED
        payload["reason"] = changes.get("reason")
    else:
        event_type = ev.USER_UPDATED
        if current["worker_id"] != after["worker_id"]:
            payload["previous_worker_id"] = current["worker_id"]
    await runtime.publish(
        session, runtime.event(event_type, payload, actor=actor, correlation_id=correlation_id)
    )
    return after
