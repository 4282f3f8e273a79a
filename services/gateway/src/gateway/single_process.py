"""Single-process mode: every service and the gateway in one process (ADR 0016).

    python -m gateway.single_process

Each service is built by its own `build_app` and keeps its schema, migrations, outbox,
consumer group and code: services still talk only through Redis Streams. What changes is
the gateway → service hop, an in-process ASGI call (`InProcessProxy`), and that one event
loop, one JWT check and one process serve them all. Every service also keeps listening on
its own loopback port (MES_<NAME>_SERVICE_URL) for its health, readiness and metrics, and
for callers that use a service directly.

The gateway listens on MES_HOST:MES_PORT and is started last, once every service is
ready; on SIGTERM/SIGINT it stops first (no new requests), then the services, each
finishing its in-flight work. If any part stops by itself, the whole process exits non-zero
so that the supervisor (or the orchestrator) starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import os
import signal
import sys
from collections.abc import Generator, Iterator
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI
from servicekit.logging import get_logger
from servicekit.serve import QuietServer, server_config

from .inprocess_proxy import InProcessProxy
from .servicemap import ServiceMap
from .settings import GatewaySettings

log = get_logger(__name__)

# service name → package (its `<package>.app:build_app`), in start-up order.
SERVICES = {
    "lot-service": "lot_service",
    "process-service": "process_service",
    "label-service": "label_service",
    "firmware-service": "firmware_service",
    "trace-service": "trace_service",
}


class _QuietServer(QuietServer):
    """A quiet uvicorn server that leaves the signals to the runner (one handler for all)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _logging_as(service: str) -> contextvars.Context:
    """A context for one server's task: what it runs (lifespan, consumers, requests) logs
    under its service's name; `configure_logging` binds one name per process."""
    context = contextvars.copy_context()
    context.run(structlog.contextvars.bind_contextvars, service=service)
    return context


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Each service reads its settings from the environment when its app is built."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def build_apps(settings: GatewaySettings) -> tuple[FastAPI, dict[str, FastAPI], dict[str, int]]:
    """(gateway app, service apps by name, service ports by name)."""
    urls = ServiceMap(settings).internal_urls()
    apps: dict[str, FastAPI] = {}
    ports: dict[str, int] = {}
    for name, package in SERVICES.items():
        port = urlsplit(urls[name]).port or 80
        with _environment(MES_SERVICE_NAME=name, MES_PORT=str(port)):
            apps[name] = importlib.import_module(f"{package}.app").build_app()
        ports[name] = port
    from .app import build_app

    with _environment(MES_SERVICE_NAME="gateway"):
        gateway = build_app()
    gateway.state.proxy = InProcessProxy(
        ServiceMap(settings), apps, gateway.state.hop_key, settings.upstream_timeout_seconds
    )
    return gateway, apps, ports


def _server(app: FastAPI, host: str, port: int) -> _QuietServer:
    return _QuietServer(server_config(app, host, port))


async def serve() -> int:
    settings = GatewaySettings()
    gateway_app, apps, ports = build_apps(settings)
    services = {name: _server(app, "127.0.0.1", ports[name]) for name, app in apps.items()}
    gateway = _server(gateway_app, settings.host, settings.port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    tasks = {
        name: asyncio.create_task(s.serve(), name=name, context=_logging_as(name))
        for name, s in services.items()
    }
    while not all(s.started for s in services.values()):
        if stopping.is_set() or any(t.done() for t in tasks.values()):
            break
        await asyncio.sleep(0.02)
    failed = [name for name, task in tasks.items() if task.done()]
    if not failed and not stopping.is_set():
        tasks["gateway"] = asyncio.create_task(
            gateway.serve(), name="gateway", context=_logging_as("gateway")
        )
        waiters = [asyncio.create_task(stopping.wait()), *tasks.values()]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        waiters[0].cancel()
        failed = [name for name, task in tasks.items() if task.done()]
    if failed:
        log.error("a part stopped by itself; stopping the process", parts=failed)
    # The gateway first (no new requests), then the services.
    gateway.should_exit = True
    if "gateway" in tasks:
        with contextlib.suppress(Exception):
            await tasks.pop("gateway")
    for server in services.values():
        server.should_exit = True
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    return 1 if failed else 0


def main() -> None:
    profile = os.environ.get("MES_PROFILE_FILE")  # a cProfile dump at exit, for `./mes bench`
    if not profile:
        sys.exit(asyncio.run(serve()))
    import cProfile

    profiler = cProfile.Profile()
    code = profiler.runcall(asyncio.run, serve())
    profiler.dump_stats(profile)
    sys.exit(code)


if __name__ == "__main__":
    main()
