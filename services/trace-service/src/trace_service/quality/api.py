"""`/api/v1/quality`: SPC charts and capability (every role reads), control limits reset
by a quality or production manager (audited: `spc.limits_set`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from mes_contracts.api.quality import CapabilityList, SpcChart, SpcLimits, SpcLimitsRequest
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.roles import QUALITY_DECIDERS
from mes_contracts.times import DEFAULT_MAX_CLOCK_SKEW_SECONDS, AwareTimestamp
from servicekit.auth import Principal, Reader, require_roles

from . import service

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
Decider = Annotated[Principal, Depends(require_roles(QUALITY_DECIDERS))]
# A check is `temp_sensor` or `test_results[TP1]` (URL-encoded brackets).
Check = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\[\]-]+$")]
MAX_SPAN = timedelta(days=366)
SKEW = timedelta(seconds=DEFAULT_MAX_CLOCK_SKEW_SECONDS)


def _answer(data: Any) -> JSONResponse:
    return JSONResponse(jsonable_encoder({"status": "success", "message": "OK", "data": data}))


def _period(request: Request, since: datetime | None, until: datetime | None):
    # A station's clock may run a few minutes ahead (ADR 0008): "now" leaves room for it.
    until = until or datetime.now(UTC) + SKEW
    days = timedelta(days=request.app.state.runtime.settings.spc_chart_days)
    if since is None:
        try:
            since = until - days
        except OverflowError:  # an `until` in year 1: no period before it
            since = until
    if since >= until or until - since > MAX_SPAN:
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            data={"since": since.isoformat(), "until": until.isoformat(), "max_days": 366},
            detail="since must be before until, at most 366 days apart",
        )
    return since, until


def _no_check(check: str) -> MesError:
    return MesError(ErrorCode.NOT_FOUND, data={"check": check}, detail="no such measured check")


@router.get("/spc/{check}", response_model=SuccessBody[SpcChart])
async def spc_chart(
    check: Check,
    request: Request,
    _: Reader,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
) -> JSONResponse:
    """The I chart of a period (default: the last 30 days): points with LOT, worker and
    time, the current limits, the spec limits and the rule violations."""
    since, until = _period(request, since, until)
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.chart(session, request.app.state.runtime.settings, check, since, until)
    if data is None:
        raise _no_check(check)
    return _answer(data)


@router.get("/capability", response_model=SuccessBody[CapabilityList])
async def capability(
    request: Request,
    _: Reader,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
) -> JSONResponse:
    """Cp, Cpk, Pp, Ppk of every measured check over a period (default: the last 30 days),
    with n and Cpk's 95 % interval (Bissell's approximation)."""
    since, until = _period(request, since, until)
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.capability_all(
            session, request.app.state.runtime.settings, since, until
        )
    return _answer(data)


@router.post("/spc/{check}/limits", response_model=SuccessBody[SpcLimits])
async def reset_limits(
    check: Check, body: SpcLimitsRequest, request: Request, who: Decider
) -> JSONResponse:
    """A new limits version: computed now from the newest points (`recent`), or from the
    first points after this reset (`next`). The check's open SPC alerts resolve."""
    async with request.app.state.runtime.db.transaction() as session:
        data = await service.reset_limits(session, request, check, body, who)
    if data is None:
        raise _no_check(check)
    return _answer(data)
