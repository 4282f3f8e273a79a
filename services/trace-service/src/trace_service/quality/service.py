"""What the quality routes answer, from bounded reads of one check (quality.store)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from mes_contracts import events as ev
from mes_contracts.api.quality import SpcLimitsRequest
from mes_contracts.errors import ErrorCode, MesError
from servicekit.auth import Principal
from servicekit.runtime import actor_of
from sqlalchemy.ext.asyncio import AsyncConnection

from ..alerts import rules
from . import spc, store
from .settings import QualitySettings

_LIMIT_KEYS = (
    "version", "chart", "state", "baseline_from", "baseline_points", "points", "first_at",
    "last_at", "center", "ucl", "lcl", "sigma", "mr_center", "mr_ucl", "reason", "set_by",
    "set_at", "active_at",
)  # fmt: skip


def limits_view(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"check": row["check_name"], **{k: row[k] for k in _LIMIT_KEYS}}


def _spec(points: list[dict[str, Any]]) -> dict[str, Any]:
    last = points[-1] if points else {}
    return {
        "target": last.get("target"),
        "lower": last.get("lower_limit"),
        "upper": last.get("upper_limit"),
        "unit": last.get("unit"),
    }


def _violation_view(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("rule", "work_order_id", "idx", "lot_number", "worker_id", "value", "measured_at")
    return {
        **{k: row[k] for k in keys},
        "description": spc.RULES[row["rule"]],
        "limits_version": row["limits_version"],
        "points": row["points"],
        "detected_at": row["detected_at"],
    }


async def chart(
    session: AsyncConnection,
    settings: QualitySettings,
    check: str,
    since: datetime,
    until: datetime,
) -> dict[str, Any] | None:
    limits = await store.current_limits(session, check)
    cap = settings.spc_chart_max_points
    points = await store.period_points(session, check, since, until, cap + 1)
    if limits is None and not points:
        return None
    truncated = len(points) > cap
    points = points[-cap:]
    found = await store.violations(session, check, since, until, cap)
    by_point: dict[tuple[str, int], list[str]] = defaultdict(list)
    for v in found:
        by_point[(v["work_order_id"], v["idx"])].append(v["rule"])
    out, previous = [], None
    for p in points:
        out.append(
            {
                "work_order_id": p["work_order_id"],
                "idx": p["idx"],
                "lot_number": p["lot_number"],
                "serial_number": None,  # the measuring steps judge a LOT, not a unit
                "worker_id": p["worker_id"],
                "measured_at": p["measured_at"],
                "value": p["value"],
                "moving_range": None if previous is None else abs(p["value"] - previous),
                "violations": sorted(set(by_point.get(store.point_key(p), []))),
            }
        )
        previous = p["value"]
    process_id = (limits or {}).get("process_id") or (points[-1]["process_id"] if points else None)
    return {
        "check": check,
        "process_id": process_id,
        "since": since,
        "until": until,
        "truncated": truncated,
        "hold_on_violation": check in settings.spc_hold_check_names,
        "spec": _spec(points),
        "limits": limits_view(limits),
        "points": out,
        "violations": [_violation_view(v) for v in found],
    }


def _capability(row: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    spec = _spec(points)
    process_id = (row["limits"] or {}).get("process_id")
    base = {
        "check": row["check_name"],
        "process_id": process_id or (points[-1]["process_id"] if points else None),
        "unit": spec["unit"],
        "lower": spec["lower"],
        "upper": spec["upper"],
        "n": len(points),
    }
    empty = dict.fromkeys(
        ("mean", "sigma_within", "sigma_overall", "cp", "cpk", "pp", "ppk", "cpk_ci95")
    )
    if len(points) < 2:
        return base | empty
    cap = spc.capability([p["value"] for p in points], spec["lower"], spec["upper"])
    ci = None if cap.cpk_lower is None else (cap.cpk_lower, cap.cpk_upper)
    return base | {
        "mean": cap.mean,
        "sigma_within": cap.sigma_within,
        "sigma_overall": cap.sigma_overall,
        "cp": cap.cp,
        "cpk": cap.cpk,
        "pp": cap.pp,
        "ppk": cap.ppk,
        "cpk_ci95": ci,
    }


async def capability_all(
    session: AsyncConnection, settings: QualitySettings, since: datetime, until: datetime
) -> dict[str, Any]:
    """Every measured check, over the newest points of the period."""
    items = []
    for row in await store.checks(session):
        cap = settings.spc_chart_max_points
        points = await store.period_points(session, row["check_name"], since, until, cap)
        items.append(_capability(row, points))
    return {"since": since, "until": until, "items": items}


async def reset_limits(
    session: AsyncConnection,
    request: Request,
    check: str,
    body: SpcLimitsRequest,
    who: Principal,
) -> dict[str, Any] | None:
    """None when nothing was ever measured for the check."""
    runtime = request.app.state.runtime
    settings: QualitySettings = runtime.settings
    current = await store.current_limits(session, check)
    newest = await store.latest_points(session, check, 1)
    if current is None and not newest:
        return None
    count = body.points or settings.spc_baseline_points
    process_id = (current or {}).get("process_id") or newest[0]["process_id"]
    actor = actor_of(who)
    by = who.user_id or who.worker_id or "unknown"
    points = None
    since = None
    if body.baseline == "recent":
        points = await store.latest_points(session, check, count)
        if len(points) < 2:
            raise MesError(
                ErrorCode.CONFLICT,
                data={"check": check, "points": len(points), "needed": 2},
                detail="too few points for limits",
            )
    else:
        since = datetime.now(UTC)
    row = await store.new_version(
        session,
        check,
        process_id,
        baseline_points=len(points) if points else count,
        reason=body.reason,
        set_by=by,
        baseline_from=since,
        points=points,
    )
    if row is None:
        raise MesError(ErrorCode.CONFLICT, data={"check": check}, detail="limits changed meanwhile")
    # Old limits, old verdicts: what was raised against them resolves with the reset.
    await request.app.state.alerts.reconcile(session, rules.spc_scope(check), [])
    payload = {
        "check": check,
        "version": row["version"],
        "baseline": body.baseline,
        "baseline_points": row["baseline_points"],
        "state": row["state"],
        "center": row["center"],
        "ucl": row["ucl"],
        "lcl": row["lcl"],
        "sigma": row["sigma"],
        "reason": body.reason,
        "set_at": row["set_at"],
    }
    event = runtime.event(
        ev.SPC_LIMITS_SET, payload, actor=actor, correlation_id=request.state.request_id
    )
    await runtime.publish(session, event)
    return limits_view(row)
