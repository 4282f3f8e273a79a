"""Raising, resolving and acknowledging alerts: each change, its event (outbox) and its
webhook deliveries commit in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import webhooks
from .models import alerts
from .rules import AlertSpec, reconcile
from .settings import AlertSettings

SYSTEM = Actor(system="trace-service")
_EVENT_KEYS = (
    "rule",
    "condition_key",
    "severity",
    "subject_type",
    "subject_id",
    "code",
    "params",
    "message",
)


def status_of(row: dict[str, Any]) -> str:
    if row["resolved_at"] is not None:
        return "resolved"
    return "acknowledged" if row["acknowledged_at"] is not None else "open"


def alert_view(row: dict[str, Any]) -> dict[str, Any]:
    view = {k: row[k] for k in _EVENT_KEYS}
    for k in ("raised_at", "acknowledged_at", "resolved_at"):
        view[k] = row[k].isoformat() if row[k] else None
    return {
        "alert_id": str(row["id"]),
        "status": status_of(row),
        "acknowledged_by": row["acknowledged_by"],
        "note": row["note"],
        **view,
    }


def _payload(row: dict[str, Any], *times: str) -> dict[str, Any]:
    return {"alert_id": str(row["id"]), **{k: row[k] for k in _EVENT_KEYS}} | {
        t: row[t] for t in times
    }


class AlertCentre:
    def __init__(self, runtime: ServiceRuntime, settings: AlertSettings) -> None:
        self.rt = runtime
        self.settings = settings

    async def _announce(
        self,
        session: AsyncConnection,
        type_: str,
        row: dict[str, Any],
        payload: dict[str, Any],
        actor: Actor,
        correlation_id: str | None = None,
    ) -> None:
        event = self.rt.event(type_, payload, actor=actor, correlation_id=correlation_id)
        await self.rt.publish(session, event)
        if type_ != ev.ALERT_ACKNOWLEDGED:  # integrators hear of raised and resolved
            await webhooks.queue(
                session, self.settings.alert_webhooks, row["id"], type_, event.data
            )

    async def raise_(self, session: AsyncConnection, spec: AlertSpec) -> dict[str, Any] | None:
        """The alert, unless one is open for its key already (then None: no storm)."""
        values = {k: getattr(spec, k) for k in _EVENT_KEYS} | {"raised_at": datetime.now(UTC)}
        stmt = (
            insert(alerts)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=["condition_key"], index_where=text("resolved_at IS NULL")
            )
            .returning(alerts)
        )
        found = (await session.execute(stmt)).first()
        if found is None:
            return None
        row = dict(found._mapping)
        await self._announce(session, ev.ALERT_RAISED, row, _payload(row, "raised_at"), SYSTEM)
        return row

    async def resolve(self, session: AsyncConnection, key: str) -> dict[str, Any] | None:
        stmt = (
            update(alerts)
            .where(alerts.c.condition_key == key, alerts.c.resolved_at.is_(None))
            .values(resolved_at=datetime.now(UTC))
            .returning(alerts)
        )
        found = (await session.execute(stmt)).first()
        if found is None:
            return None
        row = dict(found._mapping)
        payload = _payload(row, "raised_at", "resolved_at")
        await self._announce(session, ev.ALERT_RESOLVED, row, payload, SYSTEM)
        return row

    async def open_keys(self, session: AsyncConnection, scope: str) -> list[str]:
        """Open keys of a scope: a prefix when it ends with `:`, else one exact key."""
        key = alerts.c.condition_key
        match = key.startswith(scope, autoescape=True) if scope.endswith(":") else key == scope
        stmt = select(key).where(alerts.c.resolved_at.is_(None), match)
        return list((await session.execute(stmt)).scalars())

    async def reconcile(
        self, session: AsyncConnection, scope: str, holding: list[AlertSpec]
    ) -> tuple[int, int]:
        """Bring the open alerts of `scope` (a key prefix) in line with what holds now."""
        to_raise, to_resolve = reconcile(await self.open_keys(session, scope), holding)
        raised = [s for s in to_raise if await self.raise_(session, s)]
        resolved = [k for k in to_resolve if await self.resolve(session, k)]
        return len(raised), len(resolved)

    async def acknowledge(
        self,
        session: AsyncConnection,
        alert_id: int,
        actor: Actor,
        note: str | None,
        correlation_id: str | None,
    ) -> dict[str, Any] | None:
        """None when there is no such alert. Acknowledging again records the newer note."""
        who = actor.user_id or actor.worker_id or "unknown"
        stmt = (
            update(alerts)
            .where(alerts.c.id == alert_id)
            .values(acknowledged_by=who, acknowledged_at=datetime.now(UTC), note=note)
            .returning(alerts)
        )
        found = (await session.execute(stmt)).first()
        if found is None:
            return None
        row = dict(found._mapping)
        payload = _payload(row, "acknowledged_at", "acknowledged_by") | {"note": note}
        await self._announce(session, ev.ALERT_ACKNOWLEDGED, row, payload, actor, correlation_id)
        return row


# -- reads ---------------------------------------------------------------------------------
_STATUS = {
    "open": (alerts.c.resolved_at.is_(None), alerts.c.acknowledged_at.is_(None)),
    "acknowledged": (alerts.c.resolved_at.is_(None), alerts.c.acknowledged_at.is_not(None)),
    "active": (alerts.c.resolved_at.is_(None),),
    "resolved": (alerts.c.resolved_at.is_not(None),),
}


async def list_alerts(
    session: AsyncConnection,
    *,
    status: str | None,
    rule: str | None,
    subject: str | list[str] | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    where = [*(_STATUS[status] if status else ())]
    if rule:
        where.append(alerts.c.rule == rule)
    subjects = [subject] if isinstance(subject, str) else list(subject or ())
    if subjects:
        where.append(alerts.c.subject_id.in_(subjects))
    total = (
        await session.execute(select(func.count()).select_from(alerts).where(*where))
    ).scalar_one()
    rows = await session.execute(
        select(alerts).where(*where).order_by(alerts.c.id.desc()).limit(limit).offset(offset)
    )
    items = [alert_view(dict(r._mapping)) for r in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


async def get_alert(session: AsyncConnection, alert_id: int) -> dict[str, Any] | None:
    row = (await session.execute(select(alerts).where(alerts.c.id == alert_id))).first()
    return alert_view(dict(row._mapping)) if row else None
