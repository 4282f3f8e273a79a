"""lot-service use cases: each runs inside one transaction given by the caller."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.enums import Disposition, LotStatus, Result, SerialStatus, lot_transition_allowed
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import format_lot_number, format_serial_number
from mes_contracts.limits import MAX_LOT_SEQUENCE, MAX_SERIAL_SEQUENCE
from mes_contracts.payloads.ncr import LotHeld, LotReleased, NcrClosed
from mes_contracts.payloads.process import (
    LotCloseAccepted,
    ProcessCompleted,
    ProcessStarted,
    RoutingUpdated,
)
from servicekit.logging import get_logger
from servicekit.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .settings import LotSettings

log = get_logger(__name__)


def _lot_numbers_left(seq: int, production_date: date) -> None:
    if seq > MAX_LOT_SEQUENCE:  # the number has three digits
        raise MesError(
            ErrorCode.CONFLICT,
            message=f"이 생산일의 LOT 번호(001-{MAX_LOT_SEQUENCE})를 모두 사용했습니다 "
            "(no LOT numbers left for this date)",
            data={"production_date": production_date.isoformat(), "limit": MAX_LOT_SEQUENCE},
        )


def _who(actor: Actor | None) -> str:
    if actor is None:
        return "system"
    return actor.user_id or actor.worker_id or actor.system or "system"


class LotService:
    def __init__(self, runtime: ServiceRuntime, settings: LotSettings) -> None:
        self.rt = runtime
        self.settings = settings
        self.calendar = settings.calendar()

    async def create_lot(
        self,
        session: AsyncConnection,
        *,
        product_model: str,
        target_quantity: int,
        shift: str,
        actor: Actor,
        correlation_id: str | None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        production_date = self.calendar.production_date(now, shift)
        # BEGIN, the number, the LOT (with its history row and event), COMMIT (ADR 0014).
        reserved = await repo.reserve_lot_number(session, product_model, production_date)
        if reserved is None:
            raise MesError(ErrorCode.PRODUCT_MODEL_NOT_FOUND, data={"product_model": product_model})
        factory, seq = reserved
        row: dict[str, Any] = {
            "product_model": product_model,
            "factory": factory,
            "production_date": production_date,
            "shift": shift,
            "target_quantity": target_quantity,
            "status": LotStatus.CREATED.value,
            "created_at": now,
            "created_by": _who(actor),
            "updated_at": now,
        }
        for resynced in (False, True):
            _lot_numbers_left(seq, production_date)
            number = format_lot_number(product_model, factory, production_date, shift, seq)
            row.update(lot_number=number, sequence=seq)
            event = self.rt.event(
                ev.LOT_CREATED,
                {k: v for k, v in row.items() if k != "updated_at"},
                subject=number,
                actor=actor,
                correlation_id=correlation_id,
            )
            if await repo.insert_created_lot(session, self.rt.outbox, row, [event]):
                break
            if resynced:
                raise MesError(ErrorCode.DUPLICATE_LOT_NUMBER, data={"lot_number": number})
            # The number is taken (a LOT entered outside this counter): the database refused
            # the duplicate. Move the counter past every existing LOT of the date, once.
            log.warning("lot number taken, resynchronising the counter", lot_number=number)
            seq = await repo.resync_lot_sequence(session, product_model, factory, production_date)
        return row

    async def change_status(
        self,
        session: AsyncConnection,
        lot: dict[str, Any],
        target: LotStatus,
        *,
        at: datetime,
        actor: Actor | None,
        reason: str | None = None,
        correlation_id: str | None = None,
    ) -> bool:
        current = LotStatus(lot["status"])
        if current == target or not lot_transition_allowed(current, target):
            return False
        event = self.rt.event(
            ev.LOT_STATUS_CHANGED,
            {
                "lot_number": lot["lot_number"],
                "from_status": current.value,
                "to_status": target.value,
                "changed_at": at,
                "changed_by": _who(actor),
                "reason": reason,
            },
            subject=lot["lot_number"],
            actor=actor,
            correlation_id=correlation_id,
        )
        await repo.change_status(
            session,
            self.rt.outbox,
            lot["lot_number"],
            current.value,
            target.value,
            at=at,
            changed_by=_who(actor),
            reason=reason,
            events=[event],
        )
        lot["status"] = target.value
        return True

    async def on_lot_close_accepted(self, session: AsyncConnection, event: Envelope) -> None:
        """process-service accepted the close under the LOT's lock (ADR 0025): the LOT is
        CLOSED as of then, by whoever closed it, with the reason they gave."""
        data = ev.payload_as(event, LotCloseAccepted)
        lot = await repo.get_lot(session, data.lot_number, for_update=True)
        if lot is None:
            raise LookupError(f"{data.lot_number} is not here yet")  # retried later
        reason = data.reason
        if data.forced:
            still_open = ", ".join([*data.open_steps, *data.open_ncrs])
            reason = f"[forced: {still_open} open] {reason or ''}".strip()
        await self.change_status(
            session,
            lot,
            LotStatus.CLOSED,
            at=data.accepted_at,
            actor=event.actor,
            reason=reason,
            correlation_id=event.correlation_id,
        )

    async def add_replacement_serial(
        self,
        session: AsyncConnection,
        number: str,
        *,
        reason: str,
        actor: Actor,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        """One more serial for a LOT whose serials exist (a damaged unit's replacement).

        Refused until the allocation step has issued the LOT's own serials: both run under
        the LOT's row lock, so a LOT ends with target_quantity regular serials plus its
        replacements whatever order they arrive in.
        """
        lot = await repo.get_lot(session, number, for_update=True)
        if lot is None:
            raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": number})
        if lot["status"] == LotStatus.CLOSED:
            raise MesError(ErrorCode.LOT_CLOSED, data={"lot_number": number})
        if not await repo.count_serials(session, number, regular_only=True):
            raise MesError(
                ErrorCode.SERIALS_NOT_ALLOCATED,
                data={
                    "lot_number": number,
                    "allocation_process": self.settings.serial_allocation_process,
                    "required_action": f"{self.settings.serial_allocation_process} 착공 후 "
                    "교체 시리얼을 추가하세요 (add replacements once its start allocated the "
                    "LOT's serials)",
                },
            )
        [row] = await self.allocate_serials(
            session,
            lot,
            1,
            actor=actor,
            reason="REPLACEMENT",
            replacement_reason=reason,
            correlation_id=correlation_id,
        )
        return row

    async def allocate_serials(
        self,
        session: AsyncConnection,
        lot: dict[str, Any],
        count: int,
        *,
        actor: Actor | None,
        reason: str,
        replacement_reason: str | None = None,
        correlation_id: str | None = None,
        at: datetime | None = None,
        station_id: str | None = None,
    ) -> list[dict[str, Any]]:
        first = await repo.reserve_serial_seqs(session, lot["lot_number"], count)
        if first + count - 1 > MAX_SERIAL_SEQUENCE:
            # Serials have four digits: the caller's transaction (and the reservation) rolls back.
            raise MesError(
                ErrorCode.CONFLICT,
                message=f"이 LOT의 시리얼 번호(0001-{MAX_SERIAL_SEQUENCE})를 모두 사용했습니다 "
                "(no serial numbers left for this LOT)",
                data={"lot_number": lot["lot_number"], "limit": MAX_SERIAL_SEQUENCE},
            )
        # On the clock of the fact that allocates (the PROC-007 start as the MES recorded
        # it), like the status changes that follow (their completions' times): read models
        # order a serial's statuses by these times, whenever lot-service gets to apply them.
        now = at or datetime.now(UTC)
        # Events of different streams may arrive out of order: a LOT already completed
        # hands its units out as passed.
        status = "PASSED" if lot["status"] == LotStatus.COMPLETED else "CREATED"
        rows = [
            {
                "serial_number": format_serial_number(lot["lot_number"], seq),
                "lot_number": lot["lot_number"],
                "sequence": seq,
                "status": status,
                "created_at": now,
                "created_by": _who(actor),
                "replacement_reason": replacement_reason,
            }
            for seq in range(first, first + count)
        ]
        await repo.insert_serials(session, rows)
        await self.rt.publish(
            session,
            self.rt.event(
                ev.SERIALS_ALLOCATED,
                {
                    "lot_number": lot["lot_number"],
                    "product_model": lot["product_model"],
                    "serials": [
                        {"serial_number": r["serial_number"], "sequence": r["sequence"]}
                        for r in rows
                    ],
                    "reason": reason,
                    "replacement_reason": replacement_reason,
                    "allocated_at": now,
                    "station_id": station_id,
                },
                subject=lot["lot_number"],
                actor=actor,
                correlation_id=correlation_id,
            ),
        )
        if status != "CREATED":
            # Read models start an allocated serial at CREATED: say that it passed already.
            await self._serials_changed(
                session,
                lot["lot_number"],
                [(r["serial_number"], "CREATED") for r in rows],
                status,
                at=now,
                reason="allocated after its LOT completed",
                actor=actor,
                correlation_id=correlation_id,
            )
        return rows

    # -- event handlers -----------------------------------------------------------------
    async def on_process_started(self, session: AsyncConnection, event: Envelope) -> None:
        data = ev.payload_as(event, ProcessStarted)
        lot = await repo.lock_lot_recording_started(
            session,
            {
                "lot_number": data.lot_number,
                "process_id": data.process_id,
                "process_name": data.process_name,
                "sequence_number": data.sequence_number,
                "worker_id": data.worker_id,
                "start_time": data.start_time,
                "started_at": data.recorded_at,
                "work_order_id": data.work_order_id,
            },
        )
        if lot is None:
            raise LookupError(f"unknown LOT {data.lot_number}")  # retried, then dead-lettered
        at = event.time  # when the MES recorded it (station clocks may be off)
        if lot["status"] == LotStatus.CREATED:
            await self.change_status(
                session,
                lot,
                LotStatus.IN_PROGRESS,
                at=at,
                actor=event.actor,
                correlation_id=event.correlation_id,
            )
        allocates = data.process_id == self.settings.serial_allocation_process
        # Under the LOT's row lock, like replacements (which wait for these serials).
        good = lot["target_quantity"] - (lot.get("scrapped_quantity") or 0)
        if (
            allocates
            and good > 0
            and not await repo.count_serials(session, lot["lot_number"], regular_only=True)
        ):
            await self.allocate_serials(
                session,
                lot,
                good,  # units scrapped before their serials exist get none (ADR 0023)
                actor=event.actor,
                reason="PROC-007_START",
                correlation_id=event.correlation_id,
                at=at,
                # label-service prints their labels at this station's printer (ADR 0012)
                station_id=data.station_id or None,
            )

    async def _hold_fact(
        self, session: AsyncConnection, d: LotHeld | LotReleased | NcrClosed, **facts: Any
    ) -> dict[str, Any]:
        """Under the LOT's lock (hold events of one LOT come on several streams): the
        NCR's fact, then the LOT's hold as all its NCRs' facts say (any order, repeats)."""
        lot = await repo.get_lot(session, d.lot_number, for_update=True)
        if lot is None:
            raise LookupError(f"unknown LOT {d.lot_number}")  # retried later
        await repo.record_hold_fact(
            session,
            ncr_number=d.ncr_number,
            lot_number=d.lot_number,
            process_id=d.process_id,
            **facts,
        )
        await repo.refresh_hold(session, d.lot_number)
        return lot

    async def on_lot_held(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotHeld)
        await self._hold_fact(session, d, held_at=d.held_at)

    async def on_lot_released(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotReleased)
        await self._hold_fact(session, d, released_at=d.released_at)

    async def on_ncr_closed(self, session: AsyncConnection, event: Envelope) -> None:
        """A disposition that lets the LOT go on (ADR 0023). SCRAP: the good quantity
        follows, scrapped serials are FAILED with the NCR as their reason, a LOT with no
        unit left is CLOSED. USE_AS_IS or SCRAP of the last step: the LOT is done, as if
        that step had passed."""
        d = ev.payload_as(event, NcrClosed)
        lot = await self._hold_fact(
            session,
            d,
            disposition=d.disposition.value,
            rework_from=d.rework_from,
            closed_at=d.closed_at,
        )
        if d.disposition is Disposition.REWORK:
            return  # the rework's own completions move the LOT
        if d.disposition is Disposition.SCRAP:
            await self._scrap(session, d, event)
            if d.scrapped_total >= d.target_quantity:
                await self.change_status(
                    session,
                    lot,
                    LotStatus.CLOSED,
                    at=d.closed_at,
                    actor=event.actor,
                    reason=f"every unit scrapped ({d.ncr_number})",
                    correlation_id=event.correlation_id,
                )
                return
        routing = await repo.routing_of(session, lot["product_model"])
        if routing and routing[-1]["process_id"] == d.process_id:
            await self._move_serials(
                session,
                d.lot_number,
                ("CREATED", "IN_PROGRESS"),
                "PASSED",
                at=d.closed_at,
                event=event,
                process_id=d.process_id,
            )
            await self.change_status(
                session,
                lot,
                LotStatus.COMPLETED,
                at=d.closed_at,
                actor=event.actor,
                reason=f"{d.disposition.value} {d.ncr_number}",
                correlation_id=event.correlation_id,
            )

    async def _scrap(self, session: AsyncConnection, d: NcrClosed, event: Envelope) -> None:
        reason = f"SCRAP {d.ncr_number}" + (f": {d.reason}" if d.reason else "")
        if d.scrap_serials:
            if not await repo.count_serials(session, d.lot_number):
                raise LookupError(f"serials of {d.lot_number} not allocated yet")  # retried
            moved = []
            for number in d.scrap_serials:
                serial = await repo.get_serial(session, number)
                if serial is None or serial["lot_number"] != d.lot_number:
                    log.warning("scrap of an unknown serial", serial=number, ncr=d.ncr_number)
                    continue
                if serial["status"] != SerialStatus.FAILED:
                    await repo.set_serial_status(
                        session, number, SerialStatus.FAILED.value, reason, d.closed_at
                    )
                    moved.append((number, serial["status"]))
            await self._serials_changed(
                session,
                d.lot_number,
                moved,
                SerialStatus.FAILED.value,
                at=d.closed_at,
                reason=reason,
                process_id=d.process_id,
                actor=event.actor,
                correlation_id=event.correlation_id,
            )
        await repo.set_scrapped(session, d.lot_number, d.scrapped_total)

    async def on_routing_updated(self, session: AsyncConnection, event: Envelope) -> None:
        data = ev.payload_as(event, RoutingUpdated)
        await repo.replace_routing(
            session, data.product_model, [s.model_dump() for s in data.steps]
        )

    async def _move_serials(
        self,
        session: AsyncConnection,
        lot_number: str,
        from_statuses: tuple[str, ...],
        to_status: str,
        *,
        at: datetime,
        event: Envelope,
        process_id: str,
    ) -> None:
        moved = await repo.set_serial_statuses(
            session, lot_number, from_statuses=from_statuses, to_status=to_status, at=at
        )
        await self._serials_changed(
            session,
            lot_number,
            [(m["serial_number"], m["from_status"]) for m in moved],
            to_status,
            at=at,
            process_id=process_id,
            actor=event.actor,
            correlation_id=event.correlation_id,
        )

    async def _serials_changed(
        self,
        session: AsyncConnection,
        lot_number: str,
        moved: list[tuple[str, str | None]],
        to_status: str,
        *,
        at: datetime,
        actor: Actor | None,
        correlation_id: str | None,
        process_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """One serials.status_changed for these (serial, from status) of one LOT, every
        serial listed (ADR 0012); nothing when none moved."""
        if not moved:
            return
        await self.rt.publish(
            session,
            self.rt.event(
                ev.SERIALS_STATUS_CHANGED,
                {
                    "lot_number": lot_number,
                    "serials": [
                        {"serial_number": serial, "from_status": old, "to_status": to_status}
                        for serial, old in sorted(moved)
                    ],
                    "changed_at": at,
                    "process_id": process_id,
                    "reason": reason,
                },
                actor=actor,
                correlation_id=correlation_id,
            ),
        )

    async def change_serial_status(
        self,
        session: AsyncConnection,
        serial_number: str,
        status: str,
        *,
        reason: str,
        actor: Actor,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        """A manager or quality manager marks one unit (e.g. FAILED after damage)."""
        serial = await repo.get_serial(session, serial_number)
        if serial is None:
            raise MesError(ErrorCode.SERIAL_NOT_FOUND, data={"serial_number": serial_number})
        now = datetime.now(UTC)
        if serial["status"] == status:
            return serial
        await repo.set_serial_status(session, serial_number, status, reason, now)
        await self._serials_changed(
            session,
            serial["lot_number"],
            [(serial_number, serial["status"])],
            status,
            at=now,
            reason=reason,
            actor=actor,
            correlation_id=correlation_id,
        )
        return {**serial, "status": status, "status_reason": reason}

    async def on_process_completed(self, session: AsyncConnection, event: Envelope) -> None:
        data = ev.payload_as(event, ProcessCompleted)
        lot = await repo.lock_lot_recording_completed(
            session,
            {
                "lot_number": data.lot_number,
                "process_id": data.process_id,
                "process_name": data.process_name,
                "sequence_number": data.sequence_number,
                "worker_id": data.worker_id,
                "start_time": data.start_time,
                "started_at": data.started_at,
                "complete_time": data.complete_time,
                "result": data.result.value,
                "work_order_id": data.work_order_id,
            },
        )
        if lot is None:
            raise LookupError(f"unknown LOT {data.lot_number}")
        at = event.time  # when the MES recorded it (station clocks may be off)
        if lot["status"] == LotStatus.CREATED:  # the start event may still be on its way
            await self.change_status(
                session,
                lot,
                LotStatus.IN_PROGRESS,
                at=at,
                actor=event.actor,
                correlation_id=event.correlation_id,
            )
        passed = data.result == Result.PASS
        if passed and data.process_id == self.settings.serial_allocation_process:
            # Labelled units move on to packaging.
            await self._move_serials(
                session,
                lot["lot_number"],
                ("CREATED",),
                "IN_PROGRESS",
                at=at,
                event=event,
                process_id=data.process_id,
            )
        if data.is_last_process and passed:
            # Units not individually failed pass with their LOT.
            await self._move_serials(
                session,
                lot["lot_number"],
                ("CREATED", "IN_PROGRESS"),
                "PASSED",
                at=at,
                event=event,
                process_id=data.process_id,
            )
            await self.change_status(
                session,
                lot,
                LotStatus.COMPLETED,
                at=at,
                actor=event.actor,
                correlation_id=event.correlation_id,
            )
