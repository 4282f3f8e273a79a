"""Printer registry (admin): bodies, validation, printer.registered / printer.updated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.api.printers import PrinterBody, PrinterPatch
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from servicekit.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo

_EVENT_FIELDS = [
    "printer_id",
    "name",
    "model",
    "language",
    "transport",
    "host",
    "port",
    "serial_port",
    "baudrate",
    "dpi",
    "station_id",
    "purpose",
    "active",
]


def printer_view(p: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in p.items()}


async def _publish(
    rt: ServiceRuntime,
    session: AsyncConnection,
    type_: str,
    p: dict[str, Any],
    actor: Actor,
    correlation_id: str | None,
) -> None:
    data = {k: p[k] for k in _EVENT_FIELDS} | {"changed_at": p["updated_at"]}
    await rt.publish(
        session,
        rt.event(type_, data, subject=p["printer_id"], actor=actor, correlation_id=correlation_id),
    )


async def register(
    rt: ServiceRuntime,
    session: AsyncConnection,
    body: PrinterBody,
    actor: Actor,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    values = body.model_dump(mode="json") | {"created_at": now, "updated_at": now}
    row = await repo.insert_printer(session, values)
    if row is None:
        raise MesError(
            ErrorCode.CONFLICT,
            data={"printer_id": body.printer_id},
            detail=f"printer {body.printer_id} is already registered",
        )
    await _publish(rt, session, ev.PRINTER_REGISTERED, row, actor, correlation_id)
    return row


async def update(
    rt: ServiceRuntime,
    session: AsyncConnection,
    printer_id: str,
    patch: PrinterPatch,
    actor: Actor,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    current = await repo.get_printer(session, printer_id)
    if current is None:
        raise MesError(ErrorCode.PRINTER_NOT_FOUND, data={"printer_id": printer_id})
    merged = {k: current[k] for k in PrinterBody.model_fields} | patch.model_dump(
        exclude_unset=True
    )
    try:
        body = PrinterBody.model_validate(merged)
    except ValueError as exc:
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            data={"printer_id": printer_id},
            detail=str(exc).splitlines()[-1],
        ) from exc
    values = body.model_dump(mode="json", exclude={"printer_id"})
    if not body.active:  # polled again once active: its first answer is a change
        values |= {"last_state": None, "last_state_at": None}
    row = await repo.update_printer(session, printer_id, values)
    assert row is not None
    await repo.wake_printer_jobs(session, printer_id)  # try its waiting jobs at once
    await _publish(rt, session, ev.PRINTER_UPDATED, row, actor, correlation_id)
    return row
