"""Reads and writes of the SPC tables and of a check's points, each bounded by an index
(measurements (check_name, measured_at), limits (check_name, version)): no request and
no event reads more than a window, a baseline or a period of one check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import measurements as m
from ..models import process_records as pr
from . import spc
from .models import spc_limits, spc_violations

SYSTEM = "system"


def _point_columns():
    return (
        m.c.work_order_id,
        m.c.idx,
        m.c.lot_number,
        m.c.process_id,
        m.c.value,
        m.c.target,
        m.c.lower_limit,
        m.c.upper_limit,
        m.c.unit,
        m.c.result,
        m.c.measured_at,
        pr.c.complete_worker_id.label("worker_id"),
    )


def _points_of(check: str):
    return (
        select(*_point_columns())
        .select_from(m.outerjoin(pr, pr.c.work_order_id == m.c.work_order_id))
        .where(m.c.check_name == check, m.c.value.is_not(None))
    )


async def latest_points(session: AsyncConnection, check: str, count: int) -> list[dict[str, Any]]:
    """The check's newest `count` points, oldest first."""
    stmt = _points_of(check).order_by(
        m.c.measured_at.desc(), m.c.work_order_id.desc(), m.c.idx.desc()
    )
    rows = (await session.execute(stmt.limit(count))).mappings().all()
    return [dict(r) for r in reversed(rows)]


async def first_points(
    session: AsyncConnection, check: str, since: datetime | None, count: int
) -> list[dict[str, Any]]:
    """The check's first `count` points measured at/after `since` (all time when None)."""
    stmt = _points_of(check)
    if since is not None:
        stmt = stmt.where(m.c.measured_at >= since)
    stmt = stmt.order_by(m.c.measured_at, m.c.work_order_id, m.c.idx).limit(count)
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


async def period_points(
    session: AsyncConnection, check: str, since: datetime, until: datetime, cap: int
) -> list[dict[str, Any]]:
    """Points of [since, until), the newest `cap` of them, oldest first."""
    stmt = (
        _points_of(check)
        .where(m.c.measured_at >= since, m.c.measured_at < until)
        .order_by(m.c.measured_at.desc(), m.c.work_order_id.desc(), m.c.idx.desc())
        .limit(cap)
    )
    rows = (await session.execute(stmt)).mappings().all()
    return [dict(r) for r in reversed(rows)]


# -- limits --------------------------------------------------------------------------------
async def current_limits(session: AsyncConnection, check: str) -> dict[str, Any] | None:
    stmt = (
        select(spc_limits)
        .where(spc_limits.c.check_name == check)
        .order_by(spc_limits.c.version.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def limits_history(session: AsyncConnection, check: str, count: int = 20):
    stmt = (
        select(spc_limits)
        .where(spc_limits.c.check_name == check)
        .order_by(spc_limits.c.version.desc())
        .limit(count)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


# The distinct checks by a loose index scan of ix_trace_measurements_check: one index probe
# per check, not a scan of the measurements (a few checks, millions of rows).
_CHECKS_SQL = text(
    """
WITH RECURSIVE c(name) AS (
  (SELECT check_name FROM trace.measurements ORDER BY check_name LIMIT 1)
  UNION ALL
  SELECT (SELECT check_name FROM trace.measurements WHERE check_name > c.name
          ORDER BY check_name LIMIT 1)
  FROM c WHERE c.name IS NOT NULL
)
SELECT name FROM c WHERE name IS NOT NULL
"""
)


async def checks(session: AsyncConnection) -> list[dict[str, Any]]:
    """Every measured check, with its newest limits version when it has one."""
    names = list((await session.execute(_CHECKS_SQL)).scalars())
    out = []
    for name in names:
        limits = await current_limits(session, name)
        out.append({"check_name": name, "limits": limits})
    return out


def _computed(points: list[dict[str, Any]]) -> dict[str, Any]:
    lim = spc.imr_limits([p["value"] for p in points])
    return {
        "state": "active",
        "points": len(points),
        "first_at": points[0]["measured_at"],
        "last_at": points[-1]["measured_at"],
        "center": lim.center,
        "ucl": lim.ucl,
        "lcl": lim.lcl,
        "sigma": lim.sigma,
        "mr_center": lim.spread_center,
        "mr_ucl": lim.spread_ucl,
        "active_at": datetime.now(UTC),
    }


async def new_version(
    session: AsyncConnection,
    check: str,
    process_id: str | None,
    *,
    baseline_points: int,
    reason: str,
    set_by: str,
    baseline_from: datetime | None,
    points: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The next version: active at once from `points`, else pending on its baseline. None
    when another writer took the version number first (the caller re-reads)."""
    version = (
        await session.execute(
            select(func.coalesce(func.max(spc_limits.c.version), 0)).where(
                spc_limits.c.check_name == check
            )
        )
    ).scalar_one() + 1
    values: dict[str, Any] = {
        "check_name": check,
        "version": version,
        "process_id": process_id,
        "chart": "I-MR",
        "state": "pending",
        "baseline_from": baseline_from,
        "baseline_points": baseline_points,
        "reason": reason,
        "set_by": set_by,
        "set_at": datetime.now(UTC),
    }
    if points:
        values |= _computed(points)
    stmt = (
        insert(spc_limits)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_spc_limits_check_version")
        .returning(spc_limits)
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def activate(
    session: AsyncConnection, limits: dict[str, Any], points: list[dict[str, Any]]
) -> dict[str, Any]:
    stmt = (
        update(spc_limits)
        .where(spc_limits.c.id == limits["id"], spc_limits.c.state == "pending")
        .values(**_computed(points))
        .returning(spc_limits)
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else limits


# -- violations ----------------------------------------------------------------------------
def _point_ref(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "work_order_id": p["work_order_id"],
        "idx": p["idx"],
        "lot_number": p["lot_number"],
        "value": p["value"],
        "measured_at": p["measured_at"].isoformat(),
    }


async def store_hits(
    session: AsyncConnection,
    check: str,
    version: int,
    window: list[dict[str, Any]],
    hits: list[spc.RuleHit],
) -> list[spc.RuleHit]:
    """Hits, each at the point completing it; a hit already stored is kept as it was.
    The hits stored now (not seen before)."""
    if not hits:
        return []
    now = datetime.now(UTC)
    rows = []
    for h in hits:
        last = window[h.last]
        rows.append(
            {
                "check_name": check,
                "limits_version": version,
                "rule": h.rule,
                "work_order_id": last["work_order_id"],
                "idx": last["idx"],
                "lot_number": last["lot_number"],
                "worker_id": last["worker_id"],
                "value": last["value"],
                "measured_at": last["measured_at"],
                "points": [_point_ref(window[i]) for i in h.points],
                "detected_at": now,
            }
        )
    t = spc_violations.c
    stmt = (
        insert(spc_violations)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_spc_violation")
        .returning(t.rule, t.work_order_id, t.idx)
    )
    stored = {(r.rule, r.work_order_id, r.idx) for r in await session.execute(stmt)}
    return [
        h
        for h in hits
        if (h.rule, window[h.last]["work_order_id"], window[h.last]["idx"]) in stored
    ]


async def violations(
    session: AsyncConnection, check: str, since: datetime, until: datetime, cap: int
) -> list[dict[str, Any]]:
    t = spc_violations.c
    stmt = (
        select(spc_violations)
        .where(t.check_name == check, t.measured_at >= since, t.measured_at < until)
        .order_by(t.measured_at.desc(), t.id.desc())
        .limit(cap)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


def point_key(p: dict[str, Any]) -> tuple[str, int]:
    return p["work_order_id"], p["idx"]
