"""Wiring of trace-service (`uvicorn --factory trace_service.app:build_app`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from pydantic import Field
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.streams import EventHandler
from sqlalchemy.ext.asyncio import AsyncConnection

from . import api
from .alerts import api as alerts_api
from .alerts.centre import AlertCentre
from .alerts.handlers import AlertHandlers
from .alerts.monitor import Monitor
from .alerts.settings import AlertSettings
from .alerts.webhooks import Deliverer
from .kpis import api as kpis_api
from .kpis.calendar import Shift, ShiftCalendar
from .models import SCHEMA, metadata
from .projections import Projector
from .quality import api as quality_api
from .quality.live import LiveSpc
from .quality.settings import QualitySettings
from .subscriptions import ALERTED, BOTH, PROJECTED, SUBSCRIPTIONS


class TraceSettings(AlertSettings, QualitySettings):
    service_name: str = "trace-service"
    port: int = 8005
    factory_timezone: str = "Asia/Seoul"
    # The shift calendar of the production day (ADR 0027); the day start is lot-service's.
    shift_day_start: str = "08:00"
    shift_night_start: str = "20:00"
    # A LOT this long in the same state at its current step is shown as stalled.
    kpi_stall_minutes: float = Field(default=120.0, gt=0)

    def shift_calendar(self) -> ShiftCalendar:
        return ShiftCalendar(
            ZoneInfo(self.factory_timezone),
            (
                Shift("D", time.fromisoformat(self.shift_day_start)),
                Shift("N", time.fromisoformat(self.shift_night_start)),
            ),
        )


@dataclass(frozen=True)
class _Handlers:
    """What SUBSCRIPTIONS names: the projector's and the alert rules' entry points."""

    apply: EventHandler
    alert: EventHandler

    async def apply_and_alert(self, session: AsyncConnection, event: Envelope) -> None:
        """The projection first: the alert rule reads what it wrote."""
        await self.apply(session, event)
        await self.alert(session, event)


def build_app(settings: TraceSettings | None = None) -> FastAPI:
    settings = settings or TraceSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    projector = Projector(ZoneInfo(settings.factory_timezone))
    centre = AlertCentre(runtime, settings)
    alert_handlers = AlertHandlers(centre)
    live_spc = LiveSpc(centre, settings)
    alert_handlers.handlers[ev.PROCESS_COMPLETED] = live_spc.on_completed
    projected, alerted = {*PROJECTED, *BOTH}, {*ALERTED, *BOTH}
    if set(projector.handlers) != projected or set(alert_handlers.handlers) != alerted:
        raise RuntimeError("trace-service: subscriptions and handlers differ")
    SUBSCRIPTIONS.wire(runtime.consumers, _Handlers(projector.apply, alert_handlers.on_event))
    deliverer = Deliverer(lambda: runtime.db, settings)

    async def on_startup(rt: ServiceRuntime) -> None:
        rt.run_in_background(Monitor(centre, projector.tz).run, "alert-monitor")
        rt.run_in_background(deliverer.run, "alert-webhooks")

    app = create_service_app(
        runtime,
        title="trace-service",
        routers=[api.router, kpis_api.router, alerts_api.router, quality_api.router],
        on_startup=on_startup,
    )
    app.state.factory_tz = projector.tz
    app.state.shift_calendar = settings.shift_calendar()
    app.state.kpi_stall_minutes = settings.kpi_stall_minutes
    app.state.alerts = centre
    app.state.spc = live_spc
    return app
