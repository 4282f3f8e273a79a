"""Per-client-IP rate limits counted in Redis, so they hold across gateway replicas.

Sliding-window approximation: this minute's count plus the previous minute's, weighted by
how much of it still overlaps the window. Two counters per client, one round trip.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from mes_contracts.errors import ErrorCode, MesError
from servicekit.auth import resolve_client_ip
from servicekit.http import error_response
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_SECONDS = 60
EXEMPT_PATHS = ("/health", "/ready", "/metrics")


@dataclass(frozen=True)
class Limit:
    name: str
    per_minute: int


class RateLimiter:
    def __init__(self, redis_getter, prefix: str = "mes:rl") -> None:
        self.redis_getter = redis_getter
        self.prefix = prefix

    async def hit(self, limit: Limit, client: str, now: float | None = None) -> float | None:
        """Count one request; returns seconds to wait if over the limit, else None."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        current_key = f"{self.prefix}:{limit.name}:{client}:{window}"
        previous_key = f"{self.prefix}:{limit.name}:{client}:{window - 1}"
        redis = self.redis_getter()
        async with redis.pipeline(transaction=False) as pipe:
            pipe.incr(current_key)
            pipe.expire(current_key, WINDOW_SECONDS * 2)
            pipe.get(previous_key)
            current, _, previous = await pipe.execute()
        elapsed = now - window * WINDOW_SECONDS
        weight = (WINDOW_SECONDS - elapsed) / WINDOW_SECONDS
        estimated = current + int(previous or 0) * weight
        if estimated <= limit.per_minute:
            return None
        return max(1.0, WINDOW_SECONDS - elapsed)


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        general: Limit,
        login: Limit,
        trusted_proxies: tuple,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.general = general
        self.login = login
        self.trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        peer = scope["client"][0] if scope.get("client") else None
        client = resolve_client_ip(peer, headers.get("x-forwarded-for"), self.trusted) or "unknown"
        limits = [self.general]
        if scope["path"] == "/api/v1/auth/login":
            limits.append(self.login)
        for limit in limits:
            wait = await self.limiter.hit(limit, client)
            if wait is not None:
                retry_after = str(math.ceil(wait))
                response = error_response(
                    MesError(
                        ErrorCode.RATE_LIMITED,
                        data={
                            "limit": limit.name,
                            "per_minute": limit.per_minute,
                            "retry_after": int(retry_after),
                        },
                    ),
                    headers={"Retry-After": retry_after},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
