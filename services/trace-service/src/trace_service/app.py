"""Wiring of trace-service (`uvicorn --factory trace_service.app:build_app`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import READERS
from servicekit.auth import Principal, require_roles
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import SCHEMA, event_log, metadata

router = APIRouter(prefix="/api/v1")
Reader = Annotated[Principal, Depends(require_roles(READERS))]

CONSUMED = (
    ev.LOT_CREATED,
    ev.LOT_STATUS_CHANGED,
    ev.SERIALS_ALLOCATED,
    ev.PROCESS_STARTED,
    ev.PROCESS_COMPLETED,
)


class TraceSettings(ServiceSettings):
    service_name: str = "trace-service"
    port: int = 8005


async def record_event(session: AsyncSession, event: Envelope) -> None:
    await session.execute(
        insert(event_log)
        .values(
            event_id=event.id,
            type=event.type,
            subject=event.subject,
            time=event.time,
            actor=event.actor.model_dump(mode="json") if event.actor else None,
            data=event.data,
        )
        .on_conflict_do_nothing()
    )


@router.get("/trace/lots/{lot_number}/events", tags=["trace"])
async def lot_events(lot_number: str, request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(event_log).where(event_log.c.subject == lot_number).order_by(event_log.c.time)
        )
        items = [
            {
                "event_id": str(r.event_id),
                "type": r.type,
                "time": r.time.isoformat(),
                "data": r.data,
            }
            for r in rows
        ]
    if not items:
        raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
    return {
        "status": "success",
        "message": "OK",
        "data": {"lot_number": lot_number, "events": items},
    }


def build_app(settings: TraceSettings | None = None) -> FastAPI:
    settings = settings or TraceSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    for stream in CONSUMED:
        runtime.consumers.add(stream, record_event)
    return create_service_app(runtime, title="trace-service", routers=[router])

