"""Wiring of firmware-service (`uvicorn --factory firmware_service.app:build_app`)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, create_service_app

from . import api, download
from .models import SCHEMA, metadata
from .service import FirmwareService
from .settings import FirmwareSettings
from .storage import FirmwareStorage, storage_from_settings
from .subscriptions import SUBSCRIPTIONS

__all__ = ["FirmwareSettings", "build_app"]


def build_app(
    settings: FirmwareSettings | None = None, storage: FirmwareStorage | None = None
) -> FastAPI:
    settings = settings or FirmwareSettings()
    storage = storage or storage_from_settings(settings)
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    service = FirmwareService(runtime, storage)
    SUBSCRIPTIONS.wire(runtime.consumers, service)  # none today

    async def start_storage(_: ServiceRuntime) -> None:
        await storage.start()

    app = create_service_app(
        runtime,
        title="firmware-service",
        routers=[download.router, api.router],
        body_limits={"/api/v1/firmware": settings.max_firmware_bytes},
        on_startup=start_storage,
    )
    app.state.storage = storage
    app.state.firmware_service = service
    return app
