"""`/api/v1/alerts`: the alerts centre (read: every role; acknowledge: everyone but viewers;
the webhook delivery log: admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from mes_contracts.api.alerts import AlertAck, AlertList, AlertRead, DeliveryList
from mes_contracts.api.common import MAX_OFFSET
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.roles import ADMINS, READERS, Role
from pydantic import StringConstraints
from servicekit.auth import Principal, require_roles
from servicekit.runtime import actor_of
from sqlalchemy import func, select

from . import centre
from .models import alert_deliveries
from .webhooks import delivery_view

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
ACKERS = frozenset(READERS - {Role.VIEWER})
Reader = Annotated[Principal, Depends(require_roles(READERS))]
Acker = Annotated[Principal, Depends(require_roles(ACKERS))]
Admin = Annotated[Principal, Depends(require_roles(ADMINS))]
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MAX_SUBJECTS = 20
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def _answer(data: Any) -> JSONResponse:
    return JSONResponse(jsonable_encoder({"status": "success", "message": "OK", "data": data}))


def _not_found(alert_id: int) -> MesError:
    return MesError(ErrorCode.NOT_FOUND, data={"alert_id": str(alert_id)}, detail="no such alert")


@router.get("", response_model=SuccessBody[AlertList])
async def list_alerts(
    request: Request,
    _: Reader,
    status: Literal["open", "acknowledged", "active", "resolved"] | None = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[list[Subject] | None, Query(max_length=MAX_SUBJECTS)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JSONResponse:
    """Newest first; `status`: open (not acknowledged), acknowledged (still holding),
    active (either: not resolved), resolved. `subject`: a printer id, LOT number, process
    or stream; repeated, any of them (a workstation asks for its process, LOT, printer)."""
    async with request.app.state.runtime.db.transaction() as session:
        data = await centre.list_alerts(
            session, status=status, rule=rule, subject=subject, limit=limit, offset=offset
        )
    return _answer(data)


@router.get("/deliveries", response_model=SuccessBody[DeliveryList])
async def list_deliveries(
    request: Request,
    _: Admin,
    state: Literal["pending", "delivered", "failed"] | None = None,
    alert_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JSONResponse:
    """The webhook delivery log, newest first: attempts, last HTTP status, last error."""
    t = alert_deliveries.c
    where = [
        *([t.state == state] if state else []),
        *([t.alert_id == alert_id] if alert_id else []),
    ]
    async with request.app.state.runtime.db.transaction() as session:
        total = (
            await session.execute(select(func.count()).select_from(alert_deliveries).where(*where))
        ).scalar_one()
        rows = await session.execute(
            select(alert_deliveries).where(*where).order_by(t.id.desc()).limit(limit).offset(offset)
        )
        items = [delivery_view(dict(r._mapping)) for r in rows]
    return _answer({"items": items, "total": total, "limit": limit, "offset": offset})


@router.get("/{alert_id}", response_model=SuccessBody[AlertRead])
async def get_alert(alert_id: AlertId, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        data = await centre.get_alert(session, alert_id)
    if data is None:
        raise _not_found(alert_id)
    return _answer(data)


@router.post("/{alert_id}/ack", response_model=SuccessBody[AlertRead])
async def acknowledge(
    alert_id: AlertId, body: AlertAck, request: Request, who: Acker
) -> JSONResponse:
    """Who and when come from the token and the clock; the note is optional. An alert
    already resolved may still be acknowledged (the record says somebody looked)."""
    alerts: centre.AlertCentre = request.app.state.alerts
    async with request.app.state.runtime.db.transaction() as session:
        row = await alerts.acknowledge(
            session, alert_id, actor_of(who), body.note, request.state.request_id
        )
    if row is None:
        raise _not_found(alert_id)
    return _answer(centre.alert_view(row))
