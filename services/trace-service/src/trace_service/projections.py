"""Event handlers that build the read models. Each is an idempotent, order-tolerant upsert:
the newest fact (by its own timestamp) wins, and nothing is keyed on arrival order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import hot
from .models import (
    lot_status_history,
    lots,
    routing,
)

_LOT_ORDER = ("CREATED", "IN_PROGRESS", "COMPLETED", "CLOSED")


def _rank(column: Any) -> Any:
    """Position of a LOT status in its lifecycle (0 when unknown or NULL)."""
    return func.coalesce(func.array_position(array(_LOT_ORDER), column), 0)


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Projector:
    def __init__(self, factory_tz: ZoneInfo) -> None:
        self.tz = factory_tz
        self.handlers = {
            ev.LOT_CREATED: self.lot_created,
            ev.LOT_STATUS_CHANGED: self.lot_status_changed,
            ev.ROUTING_UPDATED: self.routing_updated,
            ev.SERIALS_ALLOCATED: self.serials_allocated,
            ev.SERIALS_STATUS_CHANGED: self.serials_status_changed,
            ev.PROCESS_STARTED: self.process_started,
            ev.PROCESS_COMPLETED: self.process_completed,
            # retired (ADR 0012): entries published before the upgrade, for one release
            ev.SERIAL_STATUS_CHANGED: self.serial_status_changed,
        }

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.handlers)

    def _day(self, moment: datetime | None):
        return moment.astimezone(self.tz).date() if moment else None

    async def apply(self, session: AsyncConnection, event: Envelope) -> None:
        await hot.log_event(session, event)
        await self.handlers[event.type](session, event)

    async def lot_created(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        values = {
            "lot_number": d["lot_number"],
            "product_model": d["product_model"],
            "factory": d["factory"],
            "production_date": datetime.fromisoformat(d["production_date"]).date(),
            "shift": d["shift"],
            "target_quantity": d["target_quantity"],
            "status": d["status"],
            "status_time": _t(d["created_at"]),
            "created_at": _t(d["created_at"]),
            "created_by": d["created_by"],
        }
        stmt = insert(lots).values(**values)
        static = (
            "product_model",
            "factory",
            "production_date",
            "shift",
            "target_quantity",
            "created_at",
            "created_by",
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["lot_number"], set_={k: stmt.excluded[k] for k in static}
            )
        )

    async def lot_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        at = _t(d["changed_at"])
        await session.execute(
            insert(lot_status_history)
            .values(
                event_id=event.id,
                lot_number=d["lot_number"],
                from_status=d.get("from_status"),
                to_status=d["to_status"],
                changed_at=at,
                changed_by=d.get("changed_by"),
                reason=d.get("reason"),
            )
            .on_conflict_do_nothing()
        )
        stmt = insert(lots).values(
            lot_number=d["lot_number"], status=d["to_status"], status_time=at
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["lot_number"],
                set_={"status": stmt.excluded.status, "status_time": stmt.excluded.status_time},
                # A LOT only moves forward (CREATED → IN_PROGRESS → COMPLETED → CLOSED): the
                # furthest status wins, whatever order the events arrive in.
                where=_rank(lots.c.status) < _rank(stmt.excluded.status),
            )
        )

    async def routing_updated(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        await session.execute(delete(routing).where(routing.c.product_model == d["product_model"]))
        await session.execute(
            routing.insert(),
            [
                {
                    "product_model": d["product_model"],
                    "process_id": s["process_id"],
                    "sequence": s["sequence"],
                    "name_ko": s["name_ko"],
                    "name_en": s["name_en"],
                }
                for s in d["steps"]
            ],
        )

    async def serials_allocated(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        await hot.serials_allocated(
            session,
            d["lot_number"],
            d["serials"],
            _t(d["allocated_at"]),
            d.get("replacement_reason"),
        )

    async def serials_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        """Every serial the event lists, in one statement."""
        d = event.data
        changes = [(s["serial_number"], s["to_status"]) for s in d["serials"]]
        await self._set_statuses(session, d["lot_number"], changes, _t(d["changed_at"]))

    async def serial_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        """Retired per-unit form (ADR 0012)."""
        d = event.data
        await self._set_statuses(
            session, d["lot_number"], [(d["serial_number"], d["to_status"])], _t(d["changed_at"])
        )

    async def _set_statuses(
        self,
        session: AsyncConnection,
        lot_number: str,
        changes: list[tuple[str, str]],
        at: datetime | None,
    ) -> None:
        await hot.serial_statuses(session, lot_number, changes, at)

    def _record_base(self, d: dict[str, Any]) -> dict[str, Any]:
        start = _t(d["start_time"])
        return {
            "work_order_id": d["work_order_id"],
            "lot_number": d["lot_number"],
            "product_model": d.get("product_model"),
            "process_id": d["process_id"],
            "process_name": d.get("process_name"),
            "sequence_number": d["sequence_number"],
            "worker_id": d["worker_id"],
            "start_time": start,
            "start_day": self._day(start),
            # A completion carries its start's acceptance time (ADR 0008); older ones
            # only their own, which the start event corrects.
            "started_at": _t(d.get("started_at") or d["recorded_at"]),
        }

    async def process_started(self, session: AsyncConnection, event: Envelope) -> None:
        # The start event is the authority on the start; a completion that arrived first
        # filled it from the start facts it carries (older completions: their own).
        await hot.record_started(session, self._record_base(event.data))

    async def process_completed(self, session: AsyncConnection, event: Envelope) -> None:
        """The record's completion with its defects, measurements and component LOTs."""
        d = event.data
        complete = _t(d["complete_time"])
        await hot.record_completed(session, self._record_base(d), d, complete, self._day(complete))
