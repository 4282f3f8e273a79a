"""KPI and yield routes (every signed-in role may read them, like the dashboard)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from mes_contracts.api.kpis import DashboardKpis, DefectPareto, YieldReport
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from servicekit.auth import Reader

from . import service
from .calendar import ShiftCalendar

router = APIRouter(prefix="/api/v1")
# A range's rows are bounded by the history (3 years); more in one request is refused.
MAX_RANGE_DAYS = 1200
ShiftCode = Annotated[str | None, Query(min_length=1, max_length=8)]
From = Annotated[date, Query(alias="from", description="First production day")]
To = Annotated[date, Query(alias="to", description="Last production day (inclusive)")]


def _ok(data: object) -> JSONResponse:
    return JSONResponse({"status": "success", "message": "OK", "data": data})


def _calendar(request: Request) -> ShiftCalendar:
    return request.app.state.shift_calendar


def _range(first: date, last: date) -> None:
    if last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            detail=f"from ≤ to, at most {MAX_RANGE_DAYS} days",
            data={"from": first.isoformat(), "to": last.isoformat(), "max_days": MAX_RANGE_DAYS},
        )


@router.get("/dashboard/kpis", tags=["dashboard"], response_model=SuccessBody[DashboardKpis])
async def dashboard_kpis(
    request: Request, _: Reader, day: date | None = None, shift: ShiftCode = None
) -> JSONResponse:
    """The production day's units and LOTs, yields, hourly output and WIP (ADR 0027);
    `day` defaults to today's production day, `shift` narrows it to one shift."""
    calendar = _calendar(request)
    if shift is not None and shift not in calendar.codes:
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            detail=f"shift is one of {', '.join(calendar.codes)}",
            data={"shift": shift, "allowed": list(calendar.codes)},
        )
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.dashboard_kpis(
            session,
            calendar,
            day or calendar.today(),
            shift,
            request.app.state.kpi_stall_minutes,
        )
    return _ok(data)


@router.get("/quality/yield", tags=["quality"], response_model=SuccessBody[YieldReport])
async def quality_yield(
    request: Request,
    _: Reader,
    first: From,
    last: To,
    group: Literal["day", "shift", "lot", "model"] = "day",
) -> JSONResponse:
    """First-pass yield and rework per process and rolled throughput yield, per group."""
    _range(first, last)
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.yield_report(session, _calendar(request), first, last, group)
    return _ok(data)


@router.get("/quality/pareto", tags=["quality"], response_model=SuccessBody[DefectPareto])
async def quality_pareto(
    request: Request,
    _: Reader,
    first: From,
    last: To,
    by: Literal["cause", "process"] = "cause",
) -> JSONResponse:
    """Defects (failed checks) of the period by cause or by process: count, share, running
    share, largest first."""
    _range(first, last)
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.defect_pareto(session, _calendar(request), first, last, by)
    return _ok(data)
