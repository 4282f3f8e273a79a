"""Wiring of label-service (`uvicorn --factory label_service.app:build_app`)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, create_service_app

from . import api, demo_printers
from .dispatcher import Dispatcher
from .handlers import Handlers
from .jobs import Jobs
from .models import SCHEMA, metadata
from .seed import seed_demo_printers
from .service import LabelService
from .settings import LabelSettings
from .status_watch import StatusWatch
from .subscriptions import SUBSCRIPTIONS


def build_app(settings: LabelSettings | None = None) -> FastAPI:
    settings = settings or LabelSettings()
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    jobs = Jobs(runtime, settings)
    handlers = Handlers(jobs)
    dispatcher = Dispatcher(jobs)
    jobs.on_new_jobs = dispatcher.wake.set
    SUBSCRIPTIONS.wire(runtime.consumers, handlers)

    async def on_startup(rt: ServiceRuntime) -> None:
        await seed_demo_printers(rt, settings)
        if demo_printers.wanted(settings):
            rt.run_in_background(lambda: demo_printers.serve(settings), "demo-printers")
        rt.run_in_background(dispatcher.run, "label-dispatcher")
        rt.run_in_background(StatusWatch(jobs).run, "printer-status-watch")

    app = create_service_app(
        runtime, title="label-service", routers=[api.router], on_startup=on_startup
    )
    app.state.label_service = LabelService(jobs)
    app.state.dispatcher = dispatcher
    return app
