"""Wiring of one service: settings → DB, Redis, outbox relay, consumers,
HTTP app with health, readiness and metrics. Services only add routes and handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.events import make_event
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from . import openapi
from .auth import JwtVerifier, Principal, parse_networks
from .db import Database
from .hop import HopKey
from .http import RequestContextMiddleware, install_error_handlers
from .inbox import Inbox, inbox_table
from .input_guard import InputGuardMiddleware
from .logging import configure_logging, get_logger
from .metrics import metrics_endpoint
from .outbox import Outbox, OutboxRelay, outbox_table
from .settings import ServiceSettings
from .streams import EventConsumers
from .strict_bodies import check_strict_bodies
from .token_state import TokenState
from .tracing import configure_tracing, current_traceparent

log = get_logger(__name__)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def actor_of(principal: Principal | None, *, system: str | None = None) -> Actor:
    if principal is None:
        return Actor(system=system)
    return Actor(
        user_id=principal.user_id,
        role=principal.role.value,
        worker_id=principal.worker_id,
        source_ip=principal.source_ip,
    )


class ServiceRuntime:
    """Everything a service needs at run time; one instance per process."""

    def __init__(self, settings: ServiceSettings, *, schema: str, metadata: MetaData) -> None:
        self.settings = settings
        self.schema = schema
        self.metadata = metadata
        self.outbox = Outbox(outbox_table(metadata))
        self.inbox = Inbox(inbox_table(metadata))
        self.db: Database | None = None
        self.redis: Redis | None = None
        self.consumers = EventConsumers(
            db=None,  # type: ignore[arg-type]  # bound in start()
            inbox=self.inbox,
            group=settings.service_name,
            consumer=settings.consumer_id,
            min_idle_ms=settings.consumer_min_idle_ms,
            reclaim_interval_ms=settings.consumer_reclaim_interval_ms,
            max_deliveries=settings.consumer_max_deliveries,
            block_ms=settings.consumer_block_ms,
            batch_size=settings.consumer_batch_size,
        )
        self.relay: OutboxRelay | None = None
        self._background: list[asyncio.Task[None]] = []

    # -- events -------------------------------------------------------------------
    def event(
        self,
        type_: str,
        data: BaseModel | dict,
        *,
        subject: str | None = None,
        actor: Actor | None = None,
        correlation_id: str | None = None,
    ) -> Envelope:
        return make_event(
            type_,
            data,
            source=self.settings.service_name,
            subject=subject,
            actor=actor,
            correlation_id=correlation_id,
            traceparent=current_traceparent(),
        )

    async def publish(self, session: AsyncConnection, *events: Envelope) -> None:
        """Queue events in the outbox, inside the caller's transaction."""
        await self.outbox.add(session, *events)

    # -- lifecycle ----------------------------------------------------------------
    async def start(self, *, consume: bool = True) -> None:
        s = self.settings
        self.db = Database(s.database_url, pool_size=s.db_pool_size, max_overflow=s.db_max_overflow)
        self.consumers.db = self.db
        self.redis = Redis.from_url(s.redis_url, socket_timeout=s.redis_socket_timeout_seconds)
        self.relay = OutboxRelay(
            dsn=asyncpg_dsn(s.database_url),
            schema=self.schema,
            redis=self.redis,
            poll_seconds=s.outbox_poll_seconds,
            batch_size=s.outbox_batch_size,
            stream_maxlen=s.stream_maxlen,
        )
        await self.relay.start()
        if consume and self.consumers.streams:
            await self.consumers.start(self.redis)
            await self.consumers.start_gauges(self.redis)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Stop consuming first so in-flight handlers finish before the pool goes away.
        with contextlib.suppress(Exception):
            await self.consumers.stop()
        if self.relay:
            await self.relay.stop()
        if self.redis:
            await self.redis.aclose()
        if self.db:
            await self.db.dispose()

    def run_in_background(self, coro: Callable[[], Awaitable[None]], name: str) -> None:
        self._background.append(asyncio.create_task(coro(), name=name))

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            assert self.db is not None
            await asyncio.wait_for(self.db.ping(), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {exc.__class__.__name__}"
        try:
            assert self.redis is not None
            await asyncio.wait_for(self.redis.ping(), 2)
            missing = await self.consumers.missing_groups(self.redis)
            checks["redis"] = "ok" if not missing else f"error: missing groups {missing}"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
        return checks


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: Iterable[APIRouter] = (),
    body_limits: dict[str, int] | None = None,
    on_startup: Callable[[ServiceRuntime], Awaitable[None]] | None = None,
    middleware: Iterable[tuple[type, dict]] = (),
    own_docs: bool = True,
    behind_gateway: bool = True,
) -> FastAPI:
    """The service's FastAPI app. `middleware` (class, options) pairs run inside the
    request-context middleware, in the order given (first = outermost). A service
    `behind_gateway` believes the client address the gateway signed (servicekit.hop)."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    configure_tracing(settings.service_name, console=settings.otel_console)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pem = settings.public_key_pem()
        if pem:
            app.state.jwt_verifier = JwtVerifier(
                pem,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                algorithm=settings.jwt_algorithm,
            )
        elif settings.is_production:
            raise RuntimeError("MES_JWT_PUBLIC_KEY(_FILE) is required in production")
        if app.state.hop_key is None and settings.is_production:
            raise RuntimeError("MES_INTERNAL_HOP_KEY(_FILE) is required in production")
        await runtime.start()
        if on_startup:
            await on_startup(runtime)
        log.info("service started", port=settings.port)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("service stopped")

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url="/docs" if own_docs else None,
        openapi_url="/openapi.json" if own_docs else None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    hop_key = settings.hop_key()
    app.state.hop_key = HopKey(hop_key) if hop_key else None
    app.state.behind_gateway = behind_gateway
    app.state.token_state = TokenState(lambda: runtime.redis)
    install_error_handlers(app)
    openapi.install(app)  # the contract's error body in /openapi.json
    for router in routers:
        app.include_router(router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    check_strict_bodies(app)
    # Innermost: rate limits count malformed requests too.
    app.add_middleware(InputGuardMiddleware, max_json_bytes=settings.max_body_bytes)
    for cls, options in reversed(list(middleware)):
        app.add_middleware(cls, **options)
    app.add_middleware(
        RequestContextMiddleware,
        service=settings.service_name,
        max_body_bytes=settings.max_body_bytes,
        body_limits=body_limits,
    )
    return app
