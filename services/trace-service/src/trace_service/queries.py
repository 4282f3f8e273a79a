"""The read side: every query the trace API answers, as plain parameterized SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from mes_contracts import routing_progress as rp
from mes_contracts.routing import DEFAULT_ROUTING
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import (
    component_usage,
    defects,
    event_log,
    lot_status_history,
    lots,
    measurements,
    ncrs,
    process_records,
    routing,
    serials,
)

OPEN_STATUSES = ("CREATED", "IN_PROGRESS")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _row(r: Any, *skip: str) -> dict[str, Any]:
    return {k: _iso(v) for k, v in r._mapping.items() if k not in skip}


def _step_records(records: list[Any]) -> list[rp.StepRecord]:
    """Records in the order they were started, as routing_progress reads them."""
    return [rp.StepRecord(r.process_id, r.complete_time is not None, r.result) for r in records]


async def lot_history(session: AsyncConnection, lot_number: str) -> dict[str, Any] | None:
    """The LOT with every step of its routing, each attempt's data, defects and components."""
    lot = (await session.execute(select(lots).where(lots.c.lot_number == lot_number))).first()
    if lot is None:
        return None
    steps = (
        await session.execute(
            select(routing)
            .where(routing.c.product_model == lot.product_model)
            .order_by(routing.c.sequence)
        )
    ).all()
    records = (
        await session.execute(
            select(process_records)
            .where(process_records.c.lot_number == lot_number)
            .order_by(
                process_records.c.sequence_number,
                process_records.c.started_at,
                process_records.c.start_time,
            )
        )
    ).all()
    defect_rows = (
        await session.execute(select(defects).where(defects.c.lot_number == lot_number))
    ).all()
    measurement_rows = (
        await session.execute(select(measurements).where(measurements.c.lot_number == lot_number))
    ).all()
    usage = (
        await session.execute(
            select(component_usage).where(component_usage.c.lot_number == lot_number)
        )
    ).all()
    history = (
        await session.execute(
            select(lot_status_history)
            .where(lot_status_history.c.lot_number == lot_number)
            .order_by(lot_status_history.c.changed_at)
        )
    ).all()
    by_order_defects: dict[str, list[dict]] = defaultdict(list)
    for d in defect_rows:
        by_order_defects[d.work_order_id].append(
            _row(d, "work_order_id", "lot_number", "process_id")
        )
    by_order_measurements: dict[str, list[dict]] = defaultdict(list)
    for m in measurement_rows:
        by_order_measurements[m.work_order_id].append(
            _row(m, "work_order_id", "lot_number", "process_id")
        )
    attempts: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        attempts[r.process_id].append(
            {
                "work_order_id": r.work_order_id,
                "worker_id": r.worker_id,
                "complete_worker_id": r.complete_worker_id,
                "start_time": _iso(r.start_time),
                "complete_time": _iso(r.complete_time),
                "result": r.result,
                "process_data": r.process_data,
                "defects": by_order_defects.get(r.work_order_id, []),
                "measurements": by_order_measurements.get(r.work_order_id, []),
            }
        )
    known_steps = [rp.Step(s.process_id, s.sequence, s.name_ko, s.name_en) for s in steps] or [
        rp.Step(process_id, sequence, name)
        for process_id, sequence, name in {
            (r.process_id, r.sequence_number, r.process_name) for r in records
        }
    ]
    where = rp.progress(known_steps, _step_records(records))
    processes = [
        {
            "process_id": st.step.process_id,
            "sequence": st.step.sequence,
            "name_ko": st.step.name_ko,
            "name_en": st.step.name_en,
            "status": st.state.value,
            "result": st.result,
            "attempts": attempts.get(st.step.process_id, []),
        }
        for st in where.steps
    ]
    serial_counts = dict(
        (
            await session.execute(
                select(serials.c.status, func.count())
                .where(serials.c.lot_number == lot_number)
                .group_by(serials.c.status)
            )
        ).all()
    )
    ncr_rows = (
        await session.execute(
            select(ncrs).where(ncrs.c.lot_number == lot_number).order_by(ncrs.c.ncr_number)
        )
    ).all()
    held = [n for n in ncr_rows if n.held_at is not None]
    current = max(held, key=lambda n: n.held_at) if held else None
    return {
        **_row(lot),
        "on_hold": current is not None and current.released_at is None,
        "ncrs": [_row(n, "lot_number") for n in ncr_rows],
        "progress_percent": where.percent,
        "processes": processes,
        "component_lots": [_row(u, "lot_number") for u in usage],
        "status_history": [_row(h, "event_id", "lot_number") for h in history],
        "serials": {"total": sum(serial_counts.values()), "by_status": serial_counts},
    }


async def serial_history(session: AsyncConnection, serial_number: str) -> dict[str, Any] | None:
    serial = (
        await session.execute(select(serials).where(serials.c.serial_number == serial_number))
    ).first()
    if serial is None:
        return None
    lot = await lot_history(session, serial.lot_number)
    return {**_row(serial), "lot": lot}


async def recall(session: AsyncConnection, component_lot: str) -> dict[str, Any]:
    """Backward trace: every LOT and serial that used this component LOT."""
    uses = (
        await session.execute(
            select(component_usage, lots.c.status.label("lot_status"))
            .join(lots, lots.c.lot_number == component_usage.c.lot_number, isouter=True)
            .where(component_usage.c.component_lot == component_lot)
            .order_by(component_usage.c.used_at)
        )
    ).all()
    lot_numbers = sorted({u.lot_number for u in uses})
    serial_rows = (
        (
            await session.execute(
                select(serials.c.serial_number, serials.c.lot_number, serials.c.status)
                .where(serials.c.lot_number.in_(lot_numbers))
                .order_by(serials.c.serial_number)
            )
        ).all()
        if lot_numbers
        else []
    )
    by_lot: dict[str, list[dict]] = defaultdict(list)
    for s in serial_rows:
        by_lot[s.lot_number].append({"serial_number": s.serial_number, "status": s.status})
    return {
        "component_lot": component_lot,
        "lot_count": len(lot_numbers),
        "serial_count": len(serial_rows),
        "usages": [
            {
                "lot_number": u.lot_number,
                "lot_status": u.lot_status,
                "component_type": u.component_type,
                "process_id": u.process_id,
                "work_order_id": u.work_order_id,
                "worker_id": u.worker_id,
                "used_at": _iso(u.used_at),
                "serials": by_lot.get(u.lot_number, []),
            }
            for u in uses
        ],
    }


async def defect_list(
    session: AsyncConnection,
    *,
    since: datetime | None,
    until: datetime | None,
    process_id: str | None,
    lot_number: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    conditions = []
    if since:
        conditions.append(defects.c.occurred_at >= since)
    if until:
        conditions.append(defects.c.occurred_at < until)
    if process_id:
        conditions.append(defects.c.process_id == process_id)
    if lot_number:
        conditions.append(defects.c.lot_number == lot_number)
    where = and_(*conditions) if conditions else None
    items_q = select(defects).order_by(defects.c.occurred_at.desc()).limit(limit).offset(offset)
    summary_q = select(
        defects.c.process_id, defects.c.check_name, func.count().label("count")
    ).group_by(defects.c.process_id, defects.c.check_name)
    total_q = select(func.count()).select_from(defects)
    if where is not None:
        items_q, summary_q, total_q = (
            items_q.where(where),
            summary_q.where(where),
            total_q.where(where),
        )
    items = [_row(r) for r in await session.execute(items_q)]
    summary = [
        {"process_id": r.process_id, "check": r.check_name, "count": r.count}
        for r in await session.execute(summary_q.order_by(func.count().desc()))
    ]
    return {
        "items": items,
        "total": (await session.execute(total_q)).scalar_one(),
        "by_cause": summary,
        "limit": limit,
        "offset": offset,
    }


async def worker_activity(
    session: AsyncConnection,
    worker_id: str,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> dict[str, Any]:
    mine = or_(
        process_records.c.worker_id == worker_id, process_records.c.complete_worker_id == worker_id
    )
    conditions = [mine]
    if since:
        conditions.append(process_records.c.start_time >= since)
    if until:
        conditions.append(process_records.c.start_time < until)
    rows = (
        await session.execute(
            select(process_records)
            .where(*conditions)
            .order_by(process_records.c.start_time.desc())
            .limit(limit)
        )
    ).all()
    return {
        "worker_id": worker_id,
        "records": [_row(r, "process_data", "start_day", "complete_day") for r in rows],
    }


async def measurement_series(
    session: AsyncConnection,
    check: str,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> dict[str, Any]:
    conditions = [measurements.c.check_name == check]
    if since:
        conditions.append(measurements.c.measured_at >= since)
    if until:
        conditions.append(measurements.c.measured_at < until)
    rows = (
        await session.execute(
            select(measurements)
            .where(*conditions)
            .order_by(measurements.c.measured_at.desc())
            .limit(limit)
        )
    ).all()
    points = [_row(r, "check_name", "idx") for r in reversed(rows)]
    spec = next(
        (
            {
                "target": p["target"],
                "lower_limit": p["lower_limit"],
                "upper_limit": p["upper_limit"],
                "unit": p["unit"],
            }
            for p in reversed(points)
        ),
        None,
    )
    return {"check": check, "spec": spec, "points": points}


async def measurement_checks(session: AsyncConnection) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(measurements.c.check_name, measurements.c.process_id, func.count().label("count"))
        .group_by(measurements.c.check_name, measurements.c.process_id)
        .order_by(measurements.c.process_id, measurements.c.check_name)
    )
    return [{"check": r.check_name, "process_id": r.process_id, "count": r.count} for r in rows]


async def dashboard_summary(
    session: AsyncConnection, day: date, recent: int = 20
) -> dict[str, Any]:
    pr = process_records
    started = dict(
        (
            await session.execute(
                select(pr.c.process_id, func.count())
                .where(pr.c.start_day == day)
                .group_by(pr.c.process_id)
            )
        ).all()
    )
    completed_rows = (
        await session.execute(
            select(pr.c.process_id, func.count(), func.count().filter(pr.c.result == "FAIL"))
            .where(pr.c.complete_day == day)
            .group_by(pr.c.process_id)
        )
    ).all()
    completed = {r[0]: r[1] for r in completed_rows}
    failed = {r[0]: r[2] for r in completed_rows}
    wip = dict(
        (
            await session.execute(
                select(pr.c.process_id, func.count())
                .where(pr.c.complete_time.is_(None))
                .group_by(pr.c.process_id)
            )
        ).all()
    )
    steps = (
        await session.execute(
            select(routing).where(routing.c.product_model == "WF").order_by(routing.c.sequence)
        )
    ).all()
    names = {s.process_id: (s.name_ko, s.name_en) for s in steps}
    process_ids = [s.process_id for s in steps] or sorted(set(started) | set(completed) | set(wip))
    by_process = [
        {
            "process_id": p,
            "name_ko": names.get(p, (None, None))[0],
            "name_en": names.get(p, (None, None))[1],
            "started": started.get(p, 0),
            "completed": completed.get(p, 0),
            "defects": failed.get(p, 0),
            "wip": wip.get(p, 0),
        }
        for p in process_ids
    ]
    return {
        "date": day.isoformat(),
        "started": sum(started.values()),
        "completed": sum(completed.values()),
        "defects": sum(failed.values()),
        "by_process": by_process,
        "open_lots": await open_lots(session, steps or DEFAULT_ROUTING),
        "open_lots_total": await open_lot_count(session),
        "recent_events": await recent_events(session, recent),
    }


# The overview shows the newest open LOTs; the LOT list pages through all of them. (With
# hundreds open, the summary spent most of its time building rows nobody scrolls to.)
OPEN_LOTS_SHOWN = 50


async def open_lot_count(session: AsyncConnection) -> int:
    stmt = select(func.count()).select_from(lots).where(lots.c.status.in_(OPEN_STATUSES))
    return (await session.execute(stmt)).scalar_one()


async def open_lots(session: AsyncConnection, steps: Sequence[rp.StepLike]) -> list[dict[str, Any]]:
    """The newest open LOTs, each with its current step and progress along `steps`."""
    pr = process_records
    open_rows = (
        await session.execute(
            select(lots)
            .where(lots.c.status.in_(OPEN_STATUSES))
            .order_by(lots.c.created_at.desc())
            .limit(OPEN_LOTS_SHOWN)
        )
    ).all()
    if not open_rows:
        return []
    numbers = [r.lot_number for r in open_rows]
    rows = (
        await session.execute(
            select(pr.c.lot_number, pr.c.process_id, pr.c.complete_time, pr.c.result)
            .where(pr.c.lot_number.in_(numbers))
            .order_by(pr.c.lot_number, pr.c.sequence_number, pr.c.started_at, pr.c.start_time)
        )
    ).all()
    by_lot: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_lot[r.lot_number].append(r)
    out = []
    for lot in open_rows:
        where = rp.progress(steps, _step_records(by_lot[lot.lot_number]))
        current = where.current
        out.append(
            {
                "lot_number": lot.lot_number,
                "status": lot.status,
                "target_quantity": lot.target_quantity,
                "created_at": _iso(lot.created_at),
                "current_process": current.step.process_id if current else None,
                "current_process_name": current.step.name_ko if current else None,
                "current_process_state": current.state.value if current else "NOT_STARTED",
                # the dashboard shows a failed current step in red, not as "completed"
                "current_process_result": current.result if current else None,
                "progress_percent": where.percent,
            }
        )
    return out


async def recent_events(session: AsyncConnection, limit: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(
            event_log.c.event_id,
            event_log.c.type,
            event_log.c.subject,
            event_log.c.time,
            event_log.c.actor,
        )
        .order_by(event_log.c.time.desc())
        .limit(limit)
    )
    return [
        {
            "event_id": str(r.event_id),
            "type": r.type,
            "subject": r.subject,
            "time": _iso(r.time),
            "user_id": (r.actor or {}).get("user_id"),
        }
        for r in rows
    ]


async def lot_events(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(event_log).where(event_log.c.subject == lot_number).order_by(event_log.c.time)
    )
    return [
        {"event_id": str(r.event_id), "type": r.type, "time": _iso(r.time), "data": r.data}
        for r in rows
    ]
