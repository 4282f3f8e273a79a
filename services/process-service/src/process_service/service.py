"""process-service use cases: start (착공) and completion (완공), plus event handlers."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts import events as ev
from mes_contracts import routing_progress
from mes_contracts.enums import Disposition, NcrStatus, ReleaseCause
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import format_ncr_number
from mes_contracts.payloads.admin import UserCreated, UserDeactivated, UserUpdated
from mes_contracts.payloads.firmware import FirmwareReleased, FirmwareRolledBack
from mes_contracts.payloads.lot import LotCreated, LotStatusChanged
from mes_contracts.payloads.process import RoutingUpdated
from mes_contracts.payloads.spc import SpcViolationFound
from mes_contracts.process_data import validate_process_data
from mes_contracts.routing import SERIAL_ALLOCATION_PROCESS_ID, process_name_matches
from mes_contracts.times import ReportedTimeWindow
from servicekit.db import after_commit, raw
from servicekit.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncConnection

from . import holds
from . import repository as repo
from .domain import Step, check_can_start, completion_digest
from .lot_arrivals import LotArrivals
from .routing import RoutingCache

log = logging.getLogger(__name__)

#: A use case reads at most twice: the second read runs under the LOT lock the first took,
#: so nothing can change between it and the write.
_READS = 2


_HOLD_COLUMNS = ("hold_ncr", "hold_process_id", "hold_phase", "rework_from", "rework_base")


def ncr_view(row: dict[str, Any]) -> dict[str, Any]:
    """An NCR as `NcrRead` (JSON types)."""
    return {
        "ncr_number": row["ncr_number"],
        "lot_number": row["lot_number"],
        "product_model": row["product_model"],
        "process_id": row["process_id"],
        "process_name": row["process_name"],
        "work_order_id": row["work_order_id"],
        "status": row["status"],
        "failed_checks": row["failed_checks"] or [],
        "opened_at": row["opened_at"].isoformat(),
        "opened_by": row["opened_by"],
        "disposition": row["disposition"],
        "reason": row["reason"],
        "rework_from": row["rework_from"],
        "scrap_count": row["scrap_count"],
        "scrap_serials": row["scrap_serials"] or [],
        "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None,
        "closed_by": row["closed_by"],
    }


def _who(actor: Actor) -> str:
    return actor.user_id or actor.worker_id or actor.system or "system"


def check_process_name(body: dict[str, Any], step: Step) -> None:
    """The name a station sends must be the routing's (Korean or English, ADR 0008)."""
    name = body["process_name"]
    if not process_name_matches(name, step.name_ko, step.name_en):
        raise MesError(
            ErrorCode.PROCESS_NAME_MISMATCH,
            data={
                "field": "process_name",
                "value": name,
                "process_id": step.process_id,
                "expected": [step.name_ko, step.name_en],
            },
        )


class ProcessService:
    def __init__(
        self,
        runtime: ServiceRuntime,
        factory_tz: ZoneInfo,
        window: ReportedTimeWindow | None = None,
        *,
        routing_ttl: float = 60.0,
    ) -> None:
        self.rt = runtime
        self.tz = factory_tz
        self.window = window or ReportedTimeWindow()
        # Requests that missed a LOT wait for its lot.created here (app.py configures it).
        self.arrivals = LotArrivals.disabled()
        self.routing = RoutingCache(repo.routing, ttl=routing_ttl)

    async def _step(
        self,
        session: AsyncConnection,
        lot_number: str,
        lot: Any,
        process_id: str,
        *,
        closed_ok: bool = False,
    ) -> tuple[list[Step], Step]:
        """The LOT's routing and its step `process_id`; the contract's error if the LOT is
        unknown or closed (unless `closed_ok`) or the step is not in its routing."""
        if lot is None:
            raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
        if lot.status == "CLOSED" and not closed_ok:
            raise MesError(ErrorCode.LOT_CLOSED, data={"lot_number": lot_number})
        steps = await self.routing.steps(session, lot.product_model)
        step = routing_progress.find_step(steps, process_id)
        if step is None:
            raise MesError(
                ErrorCode.INVALID_PROCESS_SEQUENCE,
                data={
                    "lot_number": lot_number,
                    "process_id": process_id,
                    "reason": "process is not in the routing of this product",
                    "routing": [s.process_id for s in steps],
                },
            )
        return steps, step

    async def start(
        self,
        session: AsyncConnection,
        body: dict[str, Any],
        *,
        actor: Actor,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        """BEGIN, one read, one write, COMMIT (ADR 0014); the read is repeated only when
        another start or completion of the LOT committed while this one waited for it."""
        lot_number, process_id = body["lot_number"], body["process_id"]
        conn = await raw(session)
        for _ in range(_READS):
            lot = await repo.hot_start_state(conn, lot_number, body["worker_id"])
            steps, step = await self._step(session, lot_number, lot, process_id)
            assert lot is not None and lot.work_order_seq is not None
            check_process_name(body, step)
            if not lot.worker_active:
                raise MesError(ErrorCode.WORKER_NOT_FOUND, data={"worker_id": body["worker_id"]})
            latest = holds.may_start(lot_number, steps, step, lot.hold, lot.records)
            if latest is None:
                assert lot.hold is not None
                raise holds.on_hold_error(lot_number, steps, lot.hold, lot.hold_checks or [])
            check_can_start(lot_number, steps, step, latest)
            start_time: datetime = body["start_time"]
            now = datetime.now(UTC)
            self.window.check(
                "start_time", start_time, now=now, after=("lot_created_at", lot.created_at)
            )
            firmware_info = None
            if step.requires_firmware:
                if lot.firmware is None:
                    raise MesError(ErrorCode.NO_RELEASED_FIRMWARE, data={"process_id": process_id})
                firmware_info = {
                    k: lot.firmware[k]
                    for k in ("version", "filename", "file_size", "md5_hash", "download_url")
                }
            local_day = now.astimezone(self.tz).date()
            work_order_id = f"WO-{local_day:%Y%m%d}-{lot.work_order_seq:03d}"
            record = {
                "work_order_id": work_order_id,
                "lot_number": lot_number,
                "process_id": process_id,
                "process_name": step.name_ko,
                "sequence_number": step.sequence,
                "attempt": lot.attempts(process_id) + 1,
                "worker_id": body["worker_id"],
                "start_time": start_time,
                "start_time_raw": start_time.isoformat(),
                "started_by": _who(actor),
                "started_at": now,
            }
            event = self.rt.event(
                ev.PROCESS_STARTED,
                {
                    "work_order_id": work_order_id,
                    "lot_number": lot_number,
                    "product_model": lot.product_model,
                    "process_id": process_id,
                    "process_name": step.name_ko,
                    "sequence_number": step.sequence,
                    "worker_id": body["worker_id"],
                    "station_id": body.get("station_id"),
                    "start_time": start_time,
                    "recorded_at": now,
                },
                subject=lot_number,
                actor=actor,
                correlation_id=correlation_id,
            )
            if await repo.hot_insert_started(conn, self.rt.outbox, record, lot.seen, [event]):
                break
        else:
            raise RuntimeError(f"the records of {lot_number} changed under its lock")
        data = {
            "lot_number": lot_number,
            "process_id": process_id,
            "process_name": step.name_ko,
            "worker_id": body["worker_id"],
            "start_time": start_time.isoformat(),
            "work_order_id": work_order_id,
            "sequence_number": step.sequence,
        }
        if firmware_info:
            data["firmware_info"] = firmware_info
        return data

    async def complete(
        self,
        session: AsyncConnection,
        body: dict[str, Any],
        *,
        actor: Actor,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        """BEGIN, one read, one write, COMMIT, as `start`."""
        lot_number, process_id = body["lot_number"], body["process_id"]
        digest = completion_digest(body)
        conn = await raw(session)
        for _ in range(_READS):
            lot = await repo.hot_complete_state(conn, lot_number, process_id)
            # A step left open by a forced close may still complete: its measurements
            # belong in the history (ADR 0025). Nothing else happens to a closed LOT.
            steps, step = await self._step(session, lot_number, lot, process_id, closed_ok=True)
            assert lot is not None
            records = lot.records
            same = next((r for r in records if r["completion_digest"] == digest), None)
            if same is not None:
                view = self._completion_view(same, already_recorded=True)
                if same["result"] == "FAIL":  # a re-post names the NCR its first posting opened
                    number = await repo.ncr_of(session, same["work_order_id"])
                    if number:
                        view["ncr_number"] = number
                return view
            open_record = next((r for r in records if r["complete_time"] is None), None)
            if open_record is None and lot.status == "CLOSED":
                raise MesError(ErrorCode.LOT_CLOSED, data={"lot_number": lot_number})
            if open_record is None:
                code = (
                    ErrorCode.PROCESS_ALREADY_COMPLETED
                    if records
                    else ErrorCode.PROCESS_NOT_STARTED
                )
                raise MesError(code, data={"lot_number": lot_number, "process_id": process_id})
            check_process_name(body, step)
            complete_time: datetime = body["complete_time"]
            now = datetime.now(UTC)
            self._check_completion_times(body, open_record, now)
            outcome = validate_process_data(process_id, body["process_data"], lot_number=lot_number)
            defects = [d.model_dump(mode="json") for d in outcome.defects]
            values = {
                "complete_worker_id": body["worker_id"],
                "reported_start_time_raw": body["start_time"].isoformat(),
                "complete_time": complete_time,
                "complete_time_raw": complete_time.isoformat(),
                "completed_by": _who(actor),
                "completed_at": now,
                "result": outcome.result,
                "process_data": body["process_data"],
                "defects": defects,
                "completion_digest": digest,
            }
            record = {**open_record, **values}
            is_last = routing_progress.is_last_step(steps, step)
            event = self.rt.event(
                ev.PROCESS_COMPLETED,
                {
                    "work_order_id": record["work_order_id"],
                    "lot_number": lot_number,
                    "product_model": lot.product_model,
                    "process_id": process_id,
                    "process_name": step.name_ko,
                    "sequence_number": step.sequence,
                    "worker_id": body["worker_id"],
                    # The work order's facts: read models key on these, not on what the
                    # completion file says its start was (kept as reported_start_time).
                    "start_time": open_record["start_time"],
                    "started_at": open_record["started_at"],
                    "reported_start_time": body["start_time"],
                    "complete_time": complete_time,
                    "result": outcome.result,
                    "process_data": body["process_data"],
                    "defects": defects,
                    "measurements": [m.model_dump(mode="json") for m in outcome.measurements],
                    "component_lots": [c.model_dump(mode="json") for c in outcome.component_lots],
                    "is_last_process": is_last,
                    "recorded_at": now,
                },
                subject=lot_number,
                actor=actor,
                correlation_id=correlation_id,
            )
            if await repo.hot_complete_record(
                conn, self.rt.outbox, open_record["work_order_id"], values, [event]
            ):
                break
        else:
            raise RuntimeError(f"the records of {lot_number} changed under its lock")
        view = self._completion_view(record, already_recorded=False)
        effect = holds.completion_effect(step, outcome.result, lot.hold)
        if effect is holds.HoldEffect.OPEN_NCR:
            view["ncr_number"] = await self._open_ncr(
                conn, lot.product_model, step, record, defects, actor, correlation_id
            )
        elif effect is holds.HoldEffect.RELEASE:
            assert lot.hold is not None
            released = self._released(
                lot_number,
                lot.hold,
                ReleaseCause.REWORK_PASSED,
                actor,
                correlation_id,
                now,
                work_order_id=record["work_order_id"],
            )
            await repo.release_hold(conn, self.rt.outbox, lot_number, [released])
        return view

    async def _open_ncr(
        self,
        conn: Any,
        product_model: str,
        step: Step,
        record: dict[str, Any],
        defects: list[dict[str, Any]],
        actor: Actor,
        correlation_id: str | None,
    ) -> str:
        """A FAIL at a hold_on_fail step: the NCR, the hold and their events, in the
        completion's transaction (ADR 0023)."""
        now: datetime = record["completed_at"]
        day = now.astimezone(self.tz).date()
        number = format_ncr_number(day, await repo.next_ncr_seq(conn, day))
        who = record["completed_by"]
        facts = {
            "ncr_number": number,
            "lot_number": record["lot_number"],
            "product_model": product_model,
            "process_id": step.process_id,
            "process_name": step.name_ko,
            "work_order_id": record["work_order_id"],
            "failed_checks": defects,
        }
        events = [
            self.rt.event(
                ev.LOT_HELD,
                {**facts, "held_at": now, "held_by": who},
                actor=actor,
                correlation_id=correlation_id,
            ),
            self.rt.event(
                ev.NCR_OPENED,
                {**facts, "opened_at": now, "opened_by": who},
                actor=actor,
                correlation_id=correlation_id,
            ),
        ]
        await repo.open_ncr(
            conn, self.rt.outbox, {**facts, "opened_at": now, "opened_by": who}, events
        )
        return number

    def _released(
        self,
        lot_number: str,
        hold: holds.Hold,
        cause: ReleaseCause,
        actor: Actor,
        correlation_id: str | None,
        now: datetime,
        *,
        work_order_id: str | None = None,
    ) -> Envelope:
        return self.rt.event(
            ev.LOT_RELEASED,
            {
                "ncr_number": hold.ncr_number,
                "lot_number": lot_number,
                "process_id": hold.process_id,
                "cause": cause,
                "released_at": now,
                "released_by": _who(actor),
                "work_order_id": work_order_id,
            },
            actor=actor,
            correlation_id=correlation_id,
        )

    async def dispose(
        self,
        session: AsyncConnection,
        ncr_number: str,
        body: dict[str, Any],
        *,
        actor: Actor,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        """Close an OPEN NCR with its disposition (ADR 0023), under its LOT's lock."""
        found = await repo.get_ncr(session, ncr_number)
        if found is None:
            raise MesError(ErrorCode.NCR_NOT_FOUND, data={"ncr_number": ncr_number})
        lot_number = found["lot_number"]
        lot = await repo.get_lot(session, lot_number, for_update=True)
        ncr = await repo.get_ncr(session, ncr_number)  # fresh, now under the LOT's lock
        assert lot is not None and ncr is not None
        if ncr["status"] != NcrStatus.OPEN:
            raise MesError(
                ErrorCode.NCR_ALREADY_CLOSED,
                data={"ncr_number": ncr_number, "disposition": ncr["disposition"]},
            )
        steps = await self.routing.steps(session, lot["product_model"])
        records = await repo.lot_records(session, lot_number)
        history = [n for n in await repo.lot_ncrs(session, lot_number) if n["status"] == "CLOSED"]
        facts = holds.LotFacts(
            target_quantity=lot["target_quantity"],
            scrapped_count=sum(
                (n["scrap_count"] or 0) + len(n["scrap_serials"] or []) for n in history
            ),
            scrapped_serials=frozenset(s for n in history for s in n["scrap_serials"] or []),
            serials_allocated=any(r["process_id"] == SERIAL_ALLOCATION_PROCESS_ID for r in records),
            reworks_to=dict(
                Counter(n["rework_from"] for n in history if n["disposition"] == "REWORK")
            ),
        )
        target = holds.check_disposition(lot_number, steps, ncr["process_id"], body, facts)
        disposition = Disposition(body["disposition"])
        now = datetime.now(UTC)
        serials = body.get("scrap_serials") or []
        scrapped = facts.scrapped_count + (body.get("scrap_count") or 0) + len(serials)
        values = {
            "disposition": disposition.value,
            "reason": (body.get("reason") or "").strip() or None,
            "rework_from": target.process_id if target else None,
            "scrap_count": body.get("scrap_count"),
            "scrap_serials": serials or None,
            "closed_at": now,
            "closed_by": _who(actor),
        }
        await repo.close_ncr(session, ncr_number, values)
        closed = self.rt.event(
            ev.NCR_CLOSED,
            {
                "ncr_number": ncr_number,
                "lot_number": lot_number,
                "process_id": ncr["process_id"],
                **{k: v for k, v in values.items() if k != "scrap_serials"},
                "scrap_serials": serials,
                "target_quantity": lot["target_quantity"],
                "scrapped_total": scrapped,
            },
            actor=actor,
            correlation_id=correlation_id,
        )
        hold = holds.Hold(ncr_number, ncr["process_id"], holds.OPEN)
        if target is not None:
            await repo.set_hold(
                session,
                lot_number,
                {
                    "hold_phase": holds.REWORK,
                    "rework_from": target.process_id,
                    "rework_base": len(records),
                },
            )
            await self.rt.publish(session, closed)
        else:
            await repo.set_hold(session, lot_number, dict.fromkeys(_HOLD_COLUMNS))
            if scrapped >= lot["target_quantity"]:
                # Nothing left to make: closed here at once (lot-service follows from
                # ncr.closed), so no start slips in before its lot.status_changed arrives.
                await repo.set_lot_status(session, lot_number, "CLOSED", now)
            cause = ReleaseCause(disposition.value)
            released = self._released(lot_number, hold, cause, actor, correlation_id, now)
            await self.rt.publish(session, closed, released)
        return ncr_view({**ncr, **values, "status": NcrStatus.CLOSED.value})

    def _check_completion_times(
        self, body: dict[str, Any], record: dict[str, Any], now: datetime
    ) -> None:
        """ADR 0008: both times at or after the recorded start (give or take the clock
        skew), and the completion within the window around the MES clock."""
        for field in ("start_time", "complete_time"):
            self.window.check_after_start(
                field,
                body[field],
                recorded_start=record["start_time"],
                recorded_start_raw=record["start_time_raw"],
                work_order_id=record["work_order_id"],
            )
        self.window.check("complete_time", body["complete_time"], now=now)

    @staticmethod
    def _completion_view(record: dict[str, Any], *, already_recorded: bool) -> dict[str, Any]:
        return {
            "lot_number": record["lot_number"],
            "process_id": record["process_id"],
            "work_order_id": record["work_order_id"],
            "worker_id": record["complete_worker_id"],
            "start_time": record["reported_start_time_raw"],
            "complete_time": record["complete_time_raw"],
            "result": record["result"],
            "defects": record["defects"] or [],
            "already_recorded": already_recorded,
            "recorded_at": record["completed_at"].isoformat(),
        }

    # -- event handlers -----------------------------------------------------------------
    async def on_lot_created(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotCreated)
        # Requests waiting for this LOT read it again once it is committed.
        after_commit(session, partial(self.arrivals.notify, d.lot_number))
        await repo.upsert_lot(
            session,
            {
                "lot_number": d.lot_number,
                "product_model": d.product_model,
                "target_quantity": d.target_quantity,
                "status": d.status.value,
                "created_at": d.created_at,
            },
        )

    async def on_lot_status_changed(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotStatusChanged)
        if await repo.get_lot(session, d.lot_number) is None:
            raise LookupError(f"lot.created for {d.lot_number} not seen yet")  # retried later
        await repo.set_lot_status(session, d.lot_number, d.to_status.value, d.changed_at)

    async def on_user_changed(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, (UserCreated, UserUpdated, UserDeactivated))
        previous = d.previous_worker_id if isinstance(d, UserUpdated) else None
        if previous:  # the old badge id is no longer valid
            await repo.upsert_worker(
                session,
                {
                    "worker_id": previous,
                    "user_id": d.username,
                    "display_name": d.display_name,
                    "active": False,
                    "updated_at": event.time,
                },
            )
        if not d.worker_id:
            return
        await repo.upsert_worker(
            session,
            {
                "worker_id": d.worker_id,
                "user_id": d.username,
                "display_name": d.display_name,
                "active": d.active and not isinstance(d, UserDeactivated),
                "updated_at": event.time,
            },
        )

    async def on_spc_violation(self, session: AsyncConnection, event: Envelope) -> None:
        """An SPC violation on a check that holds: the LOT's NCR and hold at the violating
        step, as a FAIL's (ADR 0023 amendment). Under the LOT's lock, keyed by the
        completion's work order, so a redelivery finds its NCR and does nothing."""
        d = ev.payload_as(event, SpcViolationFound)
        lot = await repo.get_lot(session, d.lot_number, for_update=True)
        if lot is None:
            raise LookupError(f"lot.created for {d.lot_number} not seen yet")  # retried later
        has_ncr = await repo.ncr_of(session, d.work_order_id) is not None
        effect = holds.spc_hold_effect(lot["status"], repo.hold_of(lot), has_ncr)
        steps = await self.routing.steps(session, lot["product_model"])
        step = routing_progress.find_step(steps, d.process_id)
        if effect is not holds.SpcHoldEffect.HOLD or step is None:
            log.info("spc.violation_found for %s: %s", d.lot_number, effect.value)
            return
        violations = [v.model_dump(mode="json") for v in d.violations]
        actor = event.actor or Actor(system="trace-service")
        record = {
            "lot_number": d.lot_number,
            "work_order_id": d.work_order_id,
            "completed_at": datetime.now(UTC),
            "completed_by": _who(actor),
        }
        await self._open_ncr(
            await raw(session),
            lot["product_model"],
            step,
            record,
            holds.spc_failed_checks(violations),
            actor,
            event.correlation_id,
        )

    async def on_routing_updated(self, _session: AsyncConnection, event: Envelope) -> None:
        """The routing changed (seeded by this replica or another): read it again."""
        self.routing.invalidate(ev.payload_as(event, RoutingUpdated).product_model)

    async def on_firmware_released(self, session: AsyncConnection, event: Envelope) -> None:
        # A rollback carries the version now live, like a release.
        d = ev.payload_as(event, (FirmwareReleased, FirmwareRolledBack))
        await repo.set_firmware(
            session,
            {
                "version": d.version,
                "filename": d.filename,
                "file_size": d.file_size,
                "md5_hash": d.md5_hash,
                "download_url": f"/api/v1/firmware/download/{d.version}",
            },
            event.time,
        )
