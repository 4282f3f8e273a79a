"""Per-client-IP rate limits counted in Redis, so they hold across gateway replicas.

Sliding-window approximation: this minute's count plus the previous minute's, weighted by
how much of it still overlaps the window. One Lua script per request counts every limit
that applies and, for a request with a bearer token, reads the token's revocation keys
too (servicekit.token_state): one Redis round trip in all (ADR 0013).
The revocation keys are judged later, by `servicekit.auth.authenticate`, in this request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mes_contracts.errors import ErrorCode, MesError
from servicekit.auth import resolve_client_ip
from servicekit.http import error_response
from servicekit.token_state import PREFETCHED_SCOPE_KEY, state_keys
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_SECONDS = 60
EXEMPT_PATHS = ("/health", "/ready", "/metrics")

# KEYS: (current, previous) window counter per limit, then optionally the token's
# revoked-jti and token-version keys. ARGV: number of limits, counter TTL, weight of the
# previous window, then each limit's allowance. Limits are counted in order and the first
# one over stops the count (a refused request does not use up the next limit's allowance).
# Returns {index of the limit over (0: none), revoked, minimum version}.
_HIT = """
local limits = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local weight = tonumber(ARGV[3])
local over = 0
for i = 1, limits do
  local current = redis.call('INCR', KEYS[2 * i - 1])
  if current == 1 then redis.call('EXPIRE', KEYS[2 * i - 1], ttl) end
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if current + previous * weight > tonumber(ARGV[3 + i]) then
    over = i
    break
  end
end
local revoked, minimum = false, false
if #KEYS > 2 * limits then
  revoked = redis.call('GET', KEYS[2 * limits + 1])
  minimum = redis.call('GET', KEYS[2 * limits + 2])
end
return {over, revoked, minimum}
"""


@dataclass(frozen=True)
class Limit:
    name: str
    per_minute: int


@dataclass(frozen=True)
class Hit:
    over: Limit | None  # the first limit the request went over
    retry_after: float  # seconds to wait when `over`
    token_state: tuple[Any, Any] | None  # (revoked, minimum version) when asked for


class RateLimiter:
    def __init__(self, redis_getter: Callable[[], Any], prefix: str = "mes:rl") -> None:
        self.redis_getter = redis_getter
        self.prefix = prefix
        self._script: Any = None
        self._script_redis: Any = None

    def _hit_script(self) -> Any:
        redis = self.redis_getter()
        if self._script is None or self._script_redis is not redis:
            # EVALSHA, loading the script again after a Redis restart (NOSCRIPT).
            self._script, self._script_redis = redis.register_script(_HIT), redis
        return self._script

    async def hit_all(
        self,
        limits: Sequence[Limit],
        client: str,
        token_keys: tuple[str, str] | None = None,
        now: float | None = None,
    ) -> Hit:
        """Count one request against each limit (in order) and read `token_keys`."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        keys: list[str] = []
        for limit in limits:
            keys.append(f"{self.prefix}:{limit.name}:{client}:{window}")
            keys.append(f"{self.prefix}:{limit.name}:{client}:{window - 1}")
        if token_keys:
            keys.extend(token_keys)
        elapsed = now - window * WINDOW_SECONDS
        weight = (WINDOW_SECONDS - elapsed) / WINDOW_SECONDS
        args = [len(limits), WINDOW_SECONDS * 2, repr(weight), *(lim.per_minute for lim in limits)]
        over, revoked, minimum = await self._hit_script()(keys=keys, args=args)
        return Hit(
            over=limits[over - 1] if over else None,
            retry_after=max(1.0, WINDOW_SECONDS - elapsed),
            token_state=(revoked, minimum) if token_keys else None,
        )

    async def hit(self, limit: Limit, client: str, now: float | None = None) -> float | None:
        """Count one request; returns seconds to wait if over the limit, else None."""
        result = await self.hit_all([limit], client, now=now)
        return result.retry_after if result.over else None


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


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

    def _token_keys(self, scope: Scope, token: str | None) -> tuple[str, str] | None:
        """The revocation keys the token names. Not verified here (a request over its
        limit costs no signature check): `authenticate` verifies the very same token
        string before it judges what was read, so the keys are the token's own."""
        verifier = getattr(scope["app"].state, "jwt_verifier", None) if "app" in scope else None
        if token is None or verifier is None:
            return None
        claims = verifier.peek(token)
        if claims is None:
            return None
        jti, sub = claims.get("jti"), claims.get("sub")
        if not isinstance(jti, str) or not isinstance(sub, str):
            return None
        return state_keys(claims)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        raw_headers = scope["headers"]
        forwarded = next((v for k, v in raw_headers if k == b"x-forwarded-for"), None)
        peer = scope["client"][0] if scope.get("client") else None
        client = (
            resolve_client_ip(
                peer, forwarded.decode("latin-1") if forwarded else None, self.trusted
            )
            or "unknown"
        )
        limits = [self.general]
        if scope["path"] == "/api/v1/auth/login":
            limits.append(self.login)
        token = _bearer(raw_headers)
        token_keys = self._token_keys(scope, token)
        hit = await self.limiter.hit_all(limits, client, token_keys)
        if hit.over is not None:
            retry_after = str(math.ceil(hit.retry_after))
            response = error_response(
                MesError(
                    ErrorCode.RATE_LIMITED,
                    data={
                        "limit": hit.over.name,
                        "per_minute": hit.over.per_minute,
                        "retry_after": int(retry_after),
                    },
                ),
                headers={"Retry-After": retry_after},
            )
            await response(scope, receive, send)
            return
        if hit.token_state is not None:
            scope[PREFETCHED_SCOPE_KEY] = (token, *hit.token_state)
        await self.app(scope, receive, send)
