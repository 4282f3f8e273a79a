"""Reading the audit trail (admin) and checking its hash chain."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from mes_contracts.api.admin import (
    AuditPage,
    AuditVerifyReport,
    AuthEvents,
    ReanchorData,
    ReanchorRequest,
)
from mes_contracts.errors import SuccessBody
from mes_contracts.times import AwareTimestamp
from servicekit.auth import Admin
from servicekit.db import equal_to
from servicekit.paging import PageOffset
from sqlalchemy import func, select

from .audit import verify_chain
from .models import audit_log, auth_events
from .responses import answer

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Text64 = Annotated[str | None, Query(max_length=64)]


def _view(r: Any) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "event_id": str(r.event_id),
        "occurred_at": r.occurred_at.isoformat(),
        "recorded_at": r.recorded_at.isoformat(),
        "service": r.service,
        "event_type": r.event_type,
        "entity_type": r.entity_type,
        "entity_id": r.entity_id,
        "action": r.action,
        "user_id": r.user_id,
        "role": r.role,
        "worker_id": r.worker_id,
        "source_ip": r.source_ip,
        "correlation_id": r.correlation_id,
        "old_values": r.old_values,
        "new_values": r.new_values,
        "hash": r.hash,
    }


@router.get("", response_model=SuccessBody[AuditPage])
async def list_audit(
    request: Request,
    _: Admin,
    entity_type: Text64 = None,
    entity_id: Text64 = None,
    user_id: Text64 = None,
    action: Literal["create", "update", "delete"] | None = None,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    conditions = equal_to(
        audit_log, entity_type=entity_type, entity_id=entity_id, user_id=user_id, action=action
    )
    if since:
        conditions.append(audit_log.c.occurred_at >= since)
    if until:
        conditions.append(audit_log.c.occurred_at < until)
    async with request.app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(audit_log)
            .where(*conditions)
            .order_by(audit_log.c.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        items = [_view(r) for r in rows]
        total = (
            await session.execute(select(func.count()).select_from(audit_log).where(*conditions))
        ).scalar_one()
    return answer("OK", {"items": items, "total": total, "limit": limit, "offset": offset})


@router.get("/verify", response_model=SuccessBody[AuditVerifyReport])
async def verify(request: Request, _: Admin) -> JSONResponse:
    """The hash chain row by row, and its tail against the anchor (ADR 0010)."""
    async with request.app.state.runtime.db.transaction() as session:
        result = await verify_chain(session)
        result.update(await request.app.state.audit_anchor.report(session))
    tail, forged = result["tail"], result["forged_checkpoints"]
    if result["valid"] and tail:
        result["first_broken_seq"] = tail["missing_from_seq"]
        result["reason"] = "cut tail" if tail["state"] == "cut" else "tail rewritten"
    elif result["valid"] and forged:
        result["reason"] = "forged checkpoint"
    result["valid"] = result["valid"] and not tail and not forged
    return answer("OK" if result["valid"] else "audit chain broken", result)


@router.post("/anchor", response_model=SuccessBody[ReanchorData])
async def reanchor(request: Request, principal: Admin, body: ReanchorRequest) -> JSONResponse:
    """Acknowledge what /verify reports about the anchor (a restored backup's missing tail,
    a forged checkpoint, a new signing key) by anchoring the chain as it is now, which must
    be intact from its first row. Recorded as a signed checkpoint and a security event."""
    result = await request.app.state.audit_anchor.reanchor(principal.user_id, body.reason)
    acknowledged = result["acknowledged"]
    detail = json.dumps(
        {"reason": body.reason, "seq": result["anchor"]["seq"], **acknowledged},
        ensure_ascii=False,
        sort_keys=True,
    )
    async with request.app.state.runtime.db.transaction() as session:
        await session.execute(
            auth_events.insert().values(
                username=principal.user_id,
                action="audit_reanchor",
                outcome="ok",
                source_ip=principal.source_ip,
                detail=detail,
            )
        )
    return answer("audit chain re-anchored", result)


@router.get("/auth-events", response_model=SuccessBody[AuthEvents])
async def list_auth_events(
    request: Request,
    _: Admin,
    username: Text64 = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    conditions = [auth_events.c.username == username] if username else []
    async with request.app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(auth_events).where(*conditions).order_by(auth_events.c.id.desc()).limit(limit)
        )
        items = [
            {
                "at": r.at.isoformat(),
                "username": r.username,
                "action": r.action,
                "outcome": r.outcome,
                "source_ip": r.source_ip,
                "detail": r.detail,
            }
            for r in rows
        ]
    return answer("OK", {"items": items})
