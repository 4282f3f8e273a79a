"""Identity store: users, roles and worker ids; every change is published as user.* events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import Role
from servicekit.db import row_by_key
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import users


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
# What a token says about its account: a change revokes every token issued before it.
_IN_TOKEN = ("role", "worker_id", "active")
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
    return await row_by_key(session, users, for_update=for_update, username=username)


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
    password_hash: str,
    role: Role,
    worker_id: str | None,
    display_name: str,
    actor: Actor,
    correlation_id: str | None = None,
) -> bool:
    now = datetime.now(UTC)
    row = {
        "username": username,
        "password_hash": password_hash,
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


def is_active_admin(user: dict[str, Any]) -> bool:
    return bool(user["active"]) and user["role"] == Role.ADMIN.value


def check_access_change(
    username: str,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    actor_user_id: str | None,
    active_admins: set[str],
) -> None:
    """Who may take admin rights away (pure: `active_admins` is read under lock).

    Only an account that is still an active admin may change access; nobody deactivates
    or demotes themselves; the last active admin always stays."""
    if actor_user_id is not None and actor_user_id not in active_admins:
        raise MesError(ErrorCode.FORBIDDEN, data={"reason": "you are no longer an active admin"})
    if not (is_active_admin(before) and not is_active_admin(after)):
        return
    if username == actor_user_id:
        raise MesError(ErrorCode.SELF_LOCKOUT, data={"username": username})
    if not active_admins - {username}:
        raise MesError(ErrorCode.LAST_ADMIN, data={"username": username})


async def _lock_active_admins(session: AsyncConnection) -> set[str]:
    """Lock every active admin row, in one order: concurrent changes of admin rights
    queue here, and each sees the others' outcome (a row no longer matching is skipped)."""
    rows = await session.execute(
        select(users.c.username)
        .where(users.c.role == Role.ADMIN.value, users.c.active.is_(True))
        .order_by(users.c.username)
        .with_for_update()
    )
    return {r.username for r in rows}


async def update_user(
    runtime: ServiceRuntime,
    session: AsyncConnection,
    username: str,
    changes: dict[str, Any],
    *,
    actor: Actor,
    correlation_id: str | None,
) -> tuple[dict[str, Any], bool]:
    """Apply `changes` (role, worker_id, display_name, active, password_hash: hashed by the
    caller before the transaction) and publish them.
    Returns the account after the change and whether its earlier tokens are now revoked
    (the caller publishes the new token version once the transaction has committed)."""
    touches_access = "role" in changes or "active" in changes
    active_admins = await _lock_active_admins(session) if touches_access else set()
    current = await get_user(session, username, for_update=True)
    if current is None:
        raise MesError(ErrorCode.USER_NOT_FOUND, data={"username": username})
    values = {k: v for k, v in changes.items() if k in _EDITABLE}
    if "role" in values:
        values["role"] = Role(values["role"]).value
    if changes.get("password_hash"):
        values["password_hash"] = changes["password_hash"]
    after = {**current, **values}
    if touches_access:
        check_access_change(
            username, current, after, actor_user_id=actor.user_id, active_admins=active_admins
        )
    revokes = "password_hash" in values or any(current[k] != after[k] for k in _IN_TOKEN)
    if revokes:
        values["token_version"] = current["token_version"] + 1
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
    return after, revokes
