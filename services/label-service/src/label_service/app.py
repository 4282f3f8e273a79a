"""Wiring of label-service (`uvicorn --factory label_service.app:build_app`)."""

from __future__ import annotations

from fastapi import FastAPI
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncSession

from .models import SCHEMA, metadata, print_jobs


class LabelSettings(ServiceSettings):
    service_name: str = "label-service"
    port: int = 8003


async def queue_lot_label(session: AsyncSession, event: Envelope) -> None:
    await session.execute(
        print_jobs.insert().values(
            label_type="LOT", lot_number=event.data["lot_number"], payload=event.data
        )
    )


async def queue_serial_labels(session: AsyncSession, event: Envelope) -> None:
    rows = [
        {
            "label_type": "SERIAL",
            "lot_number": event.data["lot_number"],
            "serial_number": s["serial_number"],
            "payload": s,
        }
        for s in event.data["serials"]
    ]
    if rows:
        await session.execute(print_jobs.insert(), rows)


def build_app(settings: LabelSettings | None = None) -> FastAPI:
    settings = settings or LabelSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.consumers.add(ev.LOT_CREATED, queue_lot_label)
    runtime.consumers.add(ev.SERIALS_ALLOCATED, queue_serial_labels)
    return create_service_app(runtime, title="label-service")

