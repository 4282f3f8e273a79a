"""Wiring of lot-service (`uvicorn --factory lot_service.app:build_app`)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, create_service_app

from . import api, repository
from .models import SCHEMA, metadata
from .service import LotService
from .settings import LotSettings
from .subscriptions import SUBSCRIPTIONS


async def _seed(runtime: ServiceRuntime) -> None:
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        await repository.upsert_product_model(
            session, "WF", "Withforce", runtime.settings.factory_code
        )  # type: ignore[attr-defined]


def build_app(settings: LotSettings | None = None) -> FastAPI:
    settings = settings or LotSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    service = LotService(runtime, settings)
    SUBSCRIPTIONS.wire(runtime.consumers, service)
    app = create_service_app(runtime, title="lot-service", routers=[api.router], on_startup=_seed)
    app.state.lot_service = service
    return app
