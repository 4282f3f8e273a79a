"""Wiring of trace-service (`uvicorn --factory trace_service.app:build_app`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings

from . import api
from .models import SCHEMA, metadata
from .projections import Projector
from .subscriptions import SUBSCRIPTIONS


class TraceSettings(ServiceSettings):
    service_name: str = "trace-service"
    port: int = 8005
    factory_timezone: str = "Asia/Seoul"


def build_app(settings: TraceSettings | None = None) -> FastAPI:
    settings = settings or TraceSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    projector = Projector(ZoneInfo(settings.factory_timezone))
    if set(projector.handlers) != set(SUBSCRIPTIONS.streams):
        raise RuntimeError("trace-service: subscriptions and projections differ")
    SUBSCRIPTIONS.wire(runtime.consumers, projector)
    app = create_service_app(runtime, title="trace-service", routers=[api.router])
    app.state.factory_tz = projector.tz
    return app
