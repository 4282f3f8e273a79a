"""The KPI answers, composed from the queries and the pure rules (ADR 0027)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from mes_contracts import routing_progress as rp
from mes_contracts.routing import DEFAULT_ROUTING
from sqlalchemy.ext.asyncio import AsyncConnection

from . import queries as q
from .calendar import ShiftCalendar
from .rules import (
    StepPass,
    StepYield,
    age_minutes,
    hourly,
    pareto,
    rolled_throughput_yield,
    step_passes,
    yields,
)


def _count(value: int, counts: str, label: str) -> dict[str, Any]:
    return {"value": int(value), "counts": counts, "label": label}


def _names(steps: Sequence[Any]) -> dict[str, tuple[str | None, str | None]]:
    return {s.process_id: (s.name_ko, s.name_en) for s in steps}


def _step_out(y: StepYield, names: dict[str, tuple[str | None, str | None]]) -> dict[str, Any]:
    ko, en = names.get(y.process_id, (None, None))
    return {
        "process_id": y.process_id,
        "name_ko": ko,
        "name_en": en,
        "lots": y.lots,
        "units": y.units,
        "first_pass_lots": y.first_pass_lots,
        "first_pass_units": y.first_pass_units,
        "reworked_lots": y.reworked_lots,
        "reworked_units": y.reworked_units,
        "first_pass_yield": y.first_pass_yield,
        "rework_rate": y.rework_rate,
    }


def _ordered(found: dict[str, StepYield], order: Sequence[str]) -> list[StepYield]:
    known = [found[p] for p in order if p in found]
    return known + [found[p] for p in sorted(found) if p not in order]


def _group_out(key: str, passes: list[StepPass], order: Sequence[str], names: dict) -> dict:
    group = yields(passes).get("")
    found = group.steps if group else {}
    steps = _ordered(found, order)
    lots = {p.lot_number: p.units for p in passes}
    return {
        "key": key,
        "lots": len(lots),
        "units": sum(lots.values()),
        "steps": [_step_out(s, names) for s in steps],
        "rolled_throughput_yield": rolled_throughput_yield(steps),
    }


async def _routing(session: AsyncConnection) -> tuple[list[Any], list[str]]:
    steps = await q.steps(session) or list(DEFAULT_ROUTING)
    return steps, [s.process_id for s in steps]


async def dashboard_kpis(
    session: AsyncConnection,
    calendar: ShiftCalendar,
    day: date,
    shift: str | None,
    stall_minutes: float,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    tz = calendar.timezone
    start, end = calendar.window(day, shift)
    steps, order = await _routing(session)
    names = _names(steps)

    planned_lots, planned_units = await q.planned(session, day, shift)
    started_lots, started_units = await q.started(session, start, end, tz)
    completed = await q.transitions(session, "COMPLETED", start, end)
    closed = await q.transitions(session, "CLOSED", start, end)
    done = [r.lot_number for r in completed]
    scrap_of = await q.scrapped_by_lot(session, done)
    came_off = {
        r.lot_number: max(0, (r.target_quantity or 0) - scrap_of.get(r.lot_number, 0))
        for r in completed
    }
    passes = [
        p
        for p in step_passes(await q.attempts_judged_in(session, start, end, tz))
        if start <= p.judged_at < end
    ]
    day_yield = _group_out(day.isoformat(), passes, order, names)
    output = hourly(start, end, [(r.at, came_off[r.lot_number]) for r in completed])
    return {
        "day": day.isoformat(),
        "shift": shift,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "timezone": str(tz),
        "units": {
            "planned": _count(planned_units, "units", "target quantity of the day's LOTs"),
            "started": _count(started_units, "units", "units of LOTs started (first step)"),
            "completed": _count(
                sum(came_off.values()), "units", "units of LOTs completed, less scrap"
            ),
            "passed": _count(
                await q.passed_serials(session, done), "units", "serials PASSED of LOTs completed"
            ),
            "scrapped": _count(
                await q.scrapped_in(session, start, end), "units", "units scrapped (NCR SCRAP)"
            ),
        },
        "lots": {
            "created": _count(planned_lots, "lots", "LOTs of the production day"),
            "started": _count(started_lots, "lots", "LOTs whose first step started"),
            "in_progress": _count(
                await q.open_lot_count(session), "lots", "LOTs open now (created or in progress)"
            ),
            "completed": _count(len(completed), "lots", "LOTs completed"),
            "closed": _count(len(closed), "lots", "LOTs closed"),
        },
        "yields": day_yield["steps"],
        "rolled_throughput_yield": day_yield["rolled_throughput_yield"],
        "hourly_output": [
            {"hour": h.isoformat(), "label": h.astimezone(tz).strftime("%H:%M"), "units": n}
            for h, n in output
        ],
        "wip": await wip(session, steps, names, stall_minutes, now),
        "stall_minutes": stall_minutes,
    }


async def wip(
    session: AsyncConnection,
    steps: Sequence[Any],
    names: dict[str, tuple[str | None, str | None]],
    stall_minutes: float,
    now: datetime,
) -> list[dict[str, Any]]:
    """Open LOTs by the step they are at, each with how long it has been in its state: at
    work since the step's start, failed since the failing completion, waiting for the
    next step since the previous completion (or the LOT's creation)."""
    open_rows, by_lot = await q.open_lots_with_records(session)
    by_step: dict[str, list[dict[str, Any]]] = {}
    for lot in open_rows:
        records = by_lot.get(lot.lot_number, [])
        where = rp.progress(steps, q.step_records(records))
        current = where.current
        if current is not None and (
            current.state.value == "IN_PROGRESS" or current.result != "PASS"
        ):
            # at work since the step's start, or failed (waiting for its NCR) since then
            step, state, result = current.step, current.state.value, current.result
            mine = [r for r in records if r.process_id == step.process_id]
            since = mine[-1].start_time if state == "IN_PROGRESS" else mine[-1].complete_time
        elif where.next is not None:
            # waiting for the next step since the previous completion (or the creation)
            step, state, result = where.next, "NOT_STARTED", None
            done = [r.complete_time for r in records if r.complete_time is not None]
            since = max(done) if done else lot.created_at
        else:
            continue  # through the routing: the LOT's status is about to follow
        age = age_minutes(since, now)
        by_step.setdefault(step.process_id, []).append(
            {
                "lot_number": lot.lot_number,
                "units": lot.target_quantity,
                "state": state,
                "result": result,
                "since": since.isoformat() if since else None,
                "age_minutes": None if age is None else round(age, 1),
                "stalled": age is not None and age >= stall_minutes,
            }
        )
    out = []
    for s in steps:
        items = sorted(by_step.get(s.process_id, []), key=lambda i: -(i["age_minutes"] or 0))
        ko, en = names.get(s.process_id, (None, None))
        out.append(
            {
                "process_id": s.process_id,
                "name_ko": ko,
                "name_en": en,
                "lots": len(items),
                "units": sum(i["units"] or 0 for i in items),
                "stalled_lots": sum(1 for i in items if i["stalled"]),
                "items": items,
            }
        )
    return out


def _group_key(group: str, calendar: ShiftCalendar) -> Callable[[StepPass], Hashable]:
    if group == "day":
        return lambda p: calendar.production_day(p.judged_at).isoformat()
    if group == "shift":

        def by_shift(p: StepPass) -> str:
            slot = calendar.slot(p.judged_at)
            return f"{slot.day.isoformat()}/{slot.shift}"

        return by_shift
    if group == "lot":
        return lambda p: p.lot_number
    return lambda p: p.product_model or "?"


async def yield_report(
    session: AsyncConnection, calendar: ShiftCalendar, first: date, last: date, group: str
) -> dict[str, Any]:
    start = calendar.window(first)[0]
    end = calendar.window(last)[1]
    steps, order = await _routing(session)
    names = _names(steps)
    passes = [
        p
        for p in step_passes(await q.attempts_judged_in(session, start, end, calendar.timezone))
        if start <= p.judged_at < end
    ]
    key = _group_key(group, calendar)
    grouped: dict[Hashable, list[StepPass]] = {}
    for p in passes:
        grouped.setdefault(key(p), []).append(p)
    return {
        "from_day": first.isoformat(),
        "to_day": last.isoformat(),
        "group": group,
        "groups": [_group_out(str(k), grouped[k], order, names) for k in sorted(grouped)],
        "total": _group_out("total", passes, order, names),
    }


async def defect_pareto(
    session: AsyncConnection, calendar: ShiftCalendar, first: date, last: date, by: str
) -> dict[str, Any]:
    start = calendar.window(first)[0]
    end = calendar.window(last)[1]
    rows = await q.defect_counts(session, start, end, by)
    if by == "cause":
        counts = {f"{r.process_id}\x1f{r.check_name}": r.count for r in rows}
    else:
        counts = {r.process_id: r.count for r in rows}
    items = []
    for row in pareto(counts):
        process, _, check = row.key.partition("\x1f")
        items.append(
            {
                "key": check if by == "cause" else process,
                "process_id": process if by == "cause" else None,
                "count": row.count,
                "share": row.share,
                "cumulative_share": row.cumulative_share,
            }
        )
    return {
        "from_day": first.isoformat(),
        "to_day": last.isoformat(),
        "by": by,
        "total": sum(counts.values()),
        "items": items,
    }
