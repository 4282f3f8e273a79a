"""Wiring of firmware-service (`uvicorn --factory firmware_service.app:build_app`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings

from . import api
from .models import SCHEMA, metadata
from .storage import LocalDiskStorage


class FirmwareSettings(ServiceSettings):
    service_name: str = "firmware-service"
    port: int = 8004
    data_dir: Path = Path(".mes")
    firmware_dir: Path | None = None
    max_firmware_bytes: int = 268_435_456


def build_app(settings: FirmwareSettings | None = None) -> FastAPI:
    settings = settings or FirmwareSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    app = create_service_app(
        runtime,
        title="firmware-service",
        routers=[api.router],
        body_limits={"/api/v1/firmware": settings.max_firmware_bytes},
    )
    app.state.storage = LocalDiskStorage(settings.firmware_dir or settings.data_dir / "firmware")
    return app

