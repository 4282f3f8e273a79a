"""Wiring of the gateway (`uvicorn gateway.app:app`)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.logging import get_logger
from servicekit.runtime import ServiceRuntime, create_service_app

from . import api
from . import users as user_store
from .models import SCHEMA, metadata
from .proxy import UpstreamProxy
from .settings import GatewaySettings
from .tokens import TokenIssuer

log = get_logger(__name__)


async def _seed_accounts(runtime: ServiceRuntime) -> None:
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    actor = api.system_actor()
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        if settings.admin_username and settings.admin_password:
            from mes_contracts.roles import Role

            await user_store.create_user_if_missing(
                runtime,
                session,
                username=settings.admin_username,
                password=settings.admin_password,
                role=Role.ADMIN,
                worker_id=None,
                display_name="Administrator",
                actor=actor,
            )
        if settings.seed_demo_users and not settings.is_production:
            for acc in user_store.DEMO_ACCOUNTS:
                created = await user_store.create_user_if_missing(
                    runtime,
                    session,
                    username=acc.username,
                    password=acc.password,
                    role=acc.role,
                    worker_id=acc.worker_id,
                    display_name=acc.display_name,
                    actor=actor,
                )
                if created:
                    log.info("demo account created", username=acc.username, role=acc.role.value)


def build_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    private_key = settings.private_key_pem()
    if private_key is None:
        raise RuntimeError("MES_JWT_PRIVATE_KEY(_FILE) is required: the gateway signs tokens")
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)

    async def on_startup(rt: ServiceRuntime) -> None:
        await _seed_accounts(rt)

    app = create_service_app(
        runtime,
        title="Withforce MES gateway",
        routers=[api.router, api.proxy_router],
        body_limits={"/api/v1/firmware": settings.max_upload_bytes},
        on_startup=on_startup,
    )
    app.state.token_issuer = TokenIssuer(
        private_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_minutes=settings.access_token_minutes,
    )
    app.state.proxy = UpstreamProxy(settings)
    return app


app = build_app()
