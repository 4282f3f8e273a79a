"""Wiring of process-service (`uvicorn --factory process_service.app:build_app`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_contracts.routing import DEFAULT_ROUTING
from mes_contracts.times import (
    DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    DEFAULT_MAX_REPLAY_AGE_SECONDS,
    ReportedTimeWindow,
)
from pydantic import Field
from servicekit.db import after_commit
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings

from . import api, repository
from .lot_arrivals import LotArrivals
from .models import SCHEMA, metadata
from .routing import RoutingCache
from .service import ProcessService
from .subscriptions import SUBSCRIPTIONS


class ProcessSettings(ServiceSettings):
    service_name: str = "process-service"
    port: int = 8002
    factory_timezone: str = "Asia/Seoul"
    # Reported start/completion times (ADR 0008): MES_MAX_CLOCK_SKEW_SECONDS, …
    max_clock_skew_seconds: int = Field(default=DEFAULT_MAX_CLOCK_SKEW_SECONDS, ge=0)
    max_replay_age_seconds: int = Field(default=DEFAULT_MAX_REPLAY_AGE_SECONDS, ge=0)
    # How long a request for a LOT not seen yet waits for its lot.created (ADR 0013);
    # 0 answers LOT_NOT_FOUND at once.
    lot_arrival_timeout_seconds: float = Field(default=2.0, ge=0)
    # How long a replica keeps a routing in memory without hearing of a change (ADR 0014).
    routing_cache_seconds: float = Field(default=60.0, ge=0)

    def time_window(self) -> ReportedTimeWindow:
        return ReportedTimeWindow(
            max_skew=timedelta(seconds=self.max_clock_skew_seconds),
            max_replay_age=timedelta(seconds=self.max_replay_age_seconds),
        )


async def _seed_routing(runtime: ServiceRuntime, routing: RoutingCache | None = None) -> None:
    steps = [
        {
            "process_id": s.process_id,
            "sequence": s.sequence,
            "name_ko": s.name_ko,
            "name_en": s.name_en,
            "level": str(s.level),
            "requires_firmware": s.requires_firmware,
            "hold_on_fail": s.hold_on_fail,
            "rework_limit": s.rework_limit,
            "takt_seconds": s.takt_seconds,
        }
        for s in DEFAULT_ROUTING
    ]
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        if await repository.seed_routing(session, "WF", steps):
            if routing is not None:
                after_commit(session, routing.invalidate)
            # Others (lot-service, trace-service) keep a copy of the routing from this event.
            await runtime.publish(
                session,
                runtime.event(
                    ev.ROUTING_UPDATED,
                    {
                        "product_model": "WF",
                        "steps": await repository.all_routings_of(session, "WF"),
                        "updated_at": datetime.now(UTC),
                    },
                    actor=Actor(system="process-service"),
                ),
            )


def build_app(settings: ProcessSettings | None = None) -> FastAPI:
    settings = settings or ProcessSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    service = ProcessService(
        runtime,
        ZoneInfo(settings.factory_timezone),
        settings.time_window(),
        routing_ttl=settings.routing_cache_seconds,
    )

    async def lot_exists(lot_number: str) -> bool:
        async with runtime.db.transaction() as session:  # type: ignore[union-attr]
            return await repository.get_lot(session, lot_number) is not None

    service.arrivals = LotArrivals(
        lot_exists,
        timeout=settings.lot_arrival_timeout_seconds,
        factory_timezone=ZoneInfo(settings.factory_timezone),
    )
    SUBSCRIPTIONS.wire(runtime.consumers, service)

    async def seed(rt: ServiceRuntime) -> None:
        await _seed_routing(rt, service.routing)

    app = create_service_app(
        runtime, title="process-service", routers=[api.router], on_startup=seed
    )
    app.state.process_service = service
    return app
