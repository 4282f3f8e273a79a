"""Wiring of the gateway (`uvicorn --factory gateway.app:build_app`)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.roles import Role
from servicekit.auth import parse_networks
from servicekit.db import after_commit
from servicekit.logging import get_logger
from servicekit.runtime import ServiceRuntime, create_service_app
from sqlalchemy.ext.asyncio import AsyncConnection

from . import api, audit, audit_api, auth_api, live, revocation, static, users_api
from . import users as user_store
from .audit_anchor import AnchorKey, AnchorStore, AuditAnchor
from .models import SCHEMA, metadata
from .openapi import CombinedOpenApi
from .passwords import hash_password
from .proxy import UpstreamProxy, hold_until_shutdown
from .ratelimit import Limit, RateLimiter, RateLimitMiddleware
from .servicemap import ServiceMap
from .settings import GatewaySettings
from .subscriptions import SUBSCRIPTIONS
from .tokens import RefreshTokens, TokenIssuer

log = get_logger(__name__)


def check_production_settings(settings: GatewaySettings) -> None:
    """In production the gateway refuses to start with a default secret or password."""
    if not settings.is_production:
        return
    problems = []
    if settings.seed_demo_users:
        problems.append("MES_SEED_DEMO_USERS must be false")
    if settings.admin_password and (
        settings.admin_password in user_store.DEMO_PASSWORDS or len(settings.admin_password) < 12
    ):
        problems.append("MES_ADMIN_PASSWORD is a demo password or shorter than 12 characters")
    if settings.rate_limit_per_minute <= 0:
        problems.append("MES_RATE_LIMIT_PER_MINUTE must be positive")
    if problems:
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))


async def _seed_accounts(runtime: ServiceRuntime) -> None:
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    actor = Actor(system="gateway")
    hashes = {}  # hashed before the transaction, off the loop
    if settings.admin_username and settings.admin_password:
        hashes[settings.admin_username] = await hash_password(settings.admin_password)
    demo = settings.seed_demo_users and not settings.is_production
    for acc in user_store.DEMO_ACCOUNTS if demo else ():
        hashes[acc.username] = await hash_password(acc.password)
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        if settings.admin_username and settings.admin_password:
            await user_store.create_user_if_missing(
                runtime,
                session,
                username=settings.admin_username,
                password_hash=hashes[settings.admin_username],
                role=Role.ADMIN,
                worker_id=None,
                display_name="Administrator",
                actor=actor,
            )
        if demo:
            for acc in user_store.DEMO_ACCOUNTS:
                created = await user_store.create_user_if_missing(
                    runtime,
                    session,
                    username=acc.username,
                    password_hash=hashes[acc.username],
                    role=acc.role,
                    worker_id=acc.worker_id,
                    display_name=acc.display_name,
                    actor=actor,
                )
                if created:
                    log.info("demo account created", username=acc.username, role=acc.role.value)


def build_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    check_production_settings(settings)
    private_key = settings.private_key_pem()
    if private_key is None:
        raise RuntimeError("MES_JWT_PRIVATE_KEY(_FILE) is required: the gateway signs tokens")
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    anchor = AuditAnchor(
        lambda: runtime.db,
        AnchorStore(lambda: runtime.redis, AnchorKey(private_key), settings.audit_anchor_file),
        settings.audit_checkpoint_seconds,
    )

    async def record_audited(session: AsyncConnection, event: Envelope) -> None:
        await audit.record(session, event)
        after_commit(session, anchor.wake)  # one checkpoint per batch, after it commits

    # The audit trail: SUBSCRIPTIONS names `record` for every audited stream.
    SUBSCRIPTIONS.wire(runtime.consumers, SimpleNamespace(record=record_audited))

    async def on_startup(runtime: ServiceRuntime) -> None:
        await _seed_accounts(runtime)
        runtime.run_in_background(anchor.run, "audit-anchor")
        runtime.run_in_background(lambda: hold_until_shutdown(app.state.proxy), "proxy-pool")
        # Redis may have lost keys while no gateway ran: write the whole token state again.
        state = app.state.token_state
        await revocation.publish_all(runtime, state, authoritative=True)
        revocation.republish_periodically(runtime, state, settings.token_state_republish_seconds)

    services = ServiceMap(settings)
    limiter = RateLimiter(lambda: runtime.redis)

    app = create_service_app(
        runtime,
        title="Withforce MES gateway",
        routers=[auth_api.router, users_api.router, audit_api.router, live.router, api.router],
        body_limits={"/api/v1/firmware": settings.max_upload_bytes},
        on_startup=on_startup,
        own_docs=False,
        behind_gateway=False,  # the public door: X-Forwarded-For from MES_TRUSTED_PROXIES
        middleware=[
            (
                RateLimitMiddleware,
                {
                    "limiter": limiter,
                    "general": Limit("api", settings.rate_limit_per_minute),
                    "login": Limit("login", settings.login_rate_limit_per_minute),
                    "trusted_proxies": parse_networks(settings.trusted_proxies),
                },
            )
        ],
    )
    app.state.token_issuer = TokenIssuer(
        private_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_minutes=settings.access_token_lifetime_minutes,
    )
    app.state.refresh_tokens = RefreshTokens(timedelta(days=settings.refresh_token_days))
    app.state.proxy = UpstreamProxy(settings, services, app.state.hop_key)
    app.state.audit_anchor = anchor
    combined = CombinedOpenApi(app, services)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await combined.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Withforce MES API")

    static.mount_dashboard(app, settings.dashboard_dir)  # last: after every API route
    return app
