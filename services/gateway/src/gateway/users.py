"""Identity store: users, roles and worker ids; every change is published as user.* events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_contracts.roles import Role
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

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


def public_view(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": user["username"],
        "role": user["role"],
        "worker_id": user["worker_id"],
        "display_name": user["display_name"],
        "active": user["active"],
    }


async def get_user(session: AsyncSession, username: str) -> dict[str, Any] | None:
    row = (await session.execute(select(users).where(users.c.username == username))).first()
    return dict(row._mapping) if row else None


async def create_user_if_missing(
    runtime: ServiceRuntime,
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role,
    worker_id: str | None,
    display_name: str,
    actor: Actor,
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
    created = (
        await session.execute(
            insert(users).values(**row).on_conflict_do_nothing().returning(users.c.username)
        )
    ).first()
    if created is None:
        return False
    await runtime.publish(
        session,
        runtime.event(
            ev.USER_CREATED,
            {
                "username": username,
                "role": role.value,
                "worker_id": worker_id,
                "display_name": display_name,
                "active": True,
            },
            subject=username,
            actor=actor,
        ),
    )
    return True
