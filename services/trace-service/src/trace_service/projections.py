"""Event handlers that build the read models. Each is an idempotent, order-tolerant upsert:
the newest fact (by its own timestamp) wins, and nothing is keyed on arrival order.

Handlers read the typed payload of the event's type and version (`ev.parse_payload`, the
version registry of mes_contracts): dates and times arrive parsed, fields by name."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.payloads.lot import (
    LotCreated,
    LotStatusChanged,
    SerialsAllocated,
    SerialsStatusChanged,
    SerialStatusChanged,
)
from mes_contracts.payloads.ncr import LotHeld, LotReleased, NcrClosed, NcrOpened
from mes_contracts.payloads.process import ProcessCompleted, ProcessStarted, RoutingUpdated
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import hot
from .models import (
    lot_status_history,
    lots,
    ncrs,
    routing,
)

_LOT_ORDER = ("CREATED", "IN_PROGRESS", "COMPLETED", "CLOSED")


def _rank(column: Any) -> Any:
    """Position of a LOT status in its lifecycle (0 when unknown or NULL)."""
    return func.coalesce(func.array_position(array(_LOT_ORDER), column), 0)


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
            ev.NCR_OPENED: self.ncr_opened,
            ev.NCR_CLOSED: self.ncr_closed,
            ev.LOT_HELD: self.lot_held,
            ev.LOT_RELEASED: self.lot_released,
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
        d = ev.payload_as(event, LotCreated)
        values = {
            "lot_number": d.lot_number,
            "product_model": d.product_model,
            "factory": d.factory,
            "production_date": d.production_date,
            "shift": d.shift.value,
            "target_quantity": d.target_quantity,
            "status": d.status.value,
            "status_time": d.created_at,
            "created_at": d.created_at,
            "created_by": d.created_by,
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
        d = ev.payload_as(event, LotStatusChanged)
        await session.execute(
            insert(lot_status_history)
            .values(
                event_id=event.id,
                lot_number=d.lot_number,
                from_status=d.from_status.value,
                to_status=d.to_status.value,
                changed_at=d.changed_at,
                changed_by=d.changed_by,
                reason=d.reason,
            )
            .on_conflict_do_nothing()
        )
        stmt = insert(lots).values(
            lot_number=d.lot_number, status=d.to_status.value, status_time=d.changed_at
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

    async def _ncr(self, session: AsyncConnection, keys: Any, values: dict[str, Any]) -> None:
        """Upsert the NCR's row with the columns this event knows (ADR 0023)."""
        stmt = insert(ncrs).values(
            ncr_number=keys.ncr_number,
            lot_number=keys.lot_number,
            process_id=keys.process_id,
            **values,
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["ncr_number"], set_={k: stmt.excluded[k] for k in values}
            )
        )

    async def ncr_opened(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, NcrOpened)
        await self._ncr(
            session,
            d,
            {
                "process_name": d.process_name,
                "work_order_id": d.work_order_id,
                "failed_checks": [c.model_dump(mode="json") for c in d.failed_checks],
                "opened_at": d.opened_at,
                "opened_by": d.opened_by,
            },
        )

    async def ncr_closed(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, NcrClosed)
        await self._ncr(
            session,
            d,
            {
                "disposition": d.disposition.value,
                "reason": d.reason,
                "rework_from": d.rework_from,
                "scrap_count": d.scrap_count,
                "scrap_serials": d.scrap_serials,
                "closed_at": d.closed_at,
                "closed_by": d.closed_by,
            },
        )

    async def lot_held(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotHeld)
        await self._ncr(session, d, {"held_at": d.held_at})

    async def lot_released(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotReleased)
        await self._ncr(session, d, {"released_at": d.released_at, "release_cause": d.cause.value})

    async def routing_updated(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, RoutingUpdated)
        await session.execute(delete(routing).where(routing.c.product_model == d.product_model))
        await session.execute(
            routing.insert(),
            [
                {
                    "product_model": d.product_model,
                    "process_id": s.process_id,
                    "sequence": s.sequence,
                    "name_ko": s.name_ko,
                    "name_en": s.name_en,
                    "takt_seconds": s.takt_seconds,
                }
                for s in d.steps
            ],
        )

    async def serials_allocated(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, SerialsAllocated)
        await hot.serials_allocated(
            session,
            d.lot_number,
            [(s.serial_number, s.sequence) for s in d.serials],
            d.allocated_at,
            d.replacement_reason,
        )

    async def serials_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        """Every serial the event lists, in one statement."""
        d = ev.payload_as(event, SerialsStatusChanged)
        changes = [(s.serial_number, s.to_status.value) for s in d.serials]
        await self._set_statuses(session, d.lot_number, changes, d.changed_at)

    async def serial_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        """Retired per-unit form (ADR 0012)."""
        d = ev.payload_as(event, SerialStatusChanged)
        changes = [(d.serial_number, d.to_status.value)]
        await self._set_statuses(session, d.lot_number, changes, d.changed_at)

    async def _set_statuses(
        self,
        session: AsyncConnection,
        lot_number: str,
        changes: list[tuple[str, str]],
        at: datetime | None,
    ) -> None:
        await hot.serial_statuses(session, lot_number, changes, at)

    def _record_base(self, d: ProcessStarted | ProcessCompleted) -> dict[str, Any]:
        # A completion carries its start's acceptance time (ADR 0008); older ones only
        # their own, which the start event corrects.
        started_at = d.started_at if isinstance(d, ProcessCompleted) else None
        return {
            "work_order_id": d.work_order_id,
            "lot_number": d.lot_number,
            "product_model": d.product_model,
            "process_id": d.process_id,
            "process_name": d.process_name,
            "sequence_number": d.sequence_number,
            "worker_id": d.worker_id,
            "start_time": d.start_time,
            "start_day": self._day(d.start_time),
            "started_at": started_at or d.recorded_at,
        }

    async def process_started(self, session: AsyncConnection, event: Envelope) -> None:
        # The start event is the authority on the start; a completion that arrived first
        # filled it from the start facts it carries (older completions: their own).
        await hot.record_started(session, self._record_base(ev.payload_as(event, ProcessStarted)))

    async def process_completed(self, session: AsyncConnection, event: Envelope) -> None:
        """The record's completion with its defects, measurements and component LOTs."""
        d = ev.payload_as(event, ProcessCompleted)
        # hot.record_completed writes the station's process_data, defects and measurements
        # with asyncpg as the event carries them (JSON), so it takes the raw data too.
        base = self._record_base(d)
        await hot.record_completed(
            session, base, event.data, d.complete_time, self._day(d.complete_time)
        )
