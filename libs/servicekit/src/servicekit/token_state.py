"""Access tokens revoked before they expire, checked by every service on every request.

The gateway is the only writer; two kinds of keys live in Redis:
- `mes:revoked-jti:{jti}`: one signed-out token (the key expires with the token);
- `mes:token-version:{username}`: the lowest token version still valid for the account.
  The gateway bumps an account's version in its users table when its role, worker id,
  password or active flag changes; every access token carries the version it was issued
  under (claim `ver`), so older tokens die at once and tokens issued after the change work.

The check is one MGET (no database round trip); the gateway folds it into its rate-limit
script, so a request through it costs one Redis round trip in all (ADR 0013). Redis
unreachable → the caller's outage handling answers 503 (fail closed). A missing version
key means "no revocation known": the gateway writes every account's version at start-up
and again periodically, so a key Redis lost comes back within that period (see ADR 0007).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mes_contracts.errors import ErrorCode, MesError

REVOKED_JTI_PREFIX = "mes:revoked-jti:"
TOKEN_VERSION_PREFIX = "mes:token-version:"  # noqa: S105 - a key prefix, not a secret

# Versions only move up: a slow writer (or a periodic re-publication that read the table
# before a change committed) never lowers what a later change wrote.
_RAISE_VERSIONS = """
for i, key in ipairs(KEYS) do
  local new = tonumber(ARGV[i])
  local current = tonumber(redis.call('GET', key))
  if current == nil or current < new then
    redis.call('SET', key, ARGV[i])
  end
end
return #KEYS
"""
_BATCH = 500


def revoked_jti_key(jti: str) -> str:
    return REVOKED_JTI_PREFIX + jti


def token_version_key(username: str) -> str:
    return TOKEN_VERSION_PREFIX + username


def token_version_claim(claims: Mapping[str, Any]) -> int:
    """The `ver` claim: a non-negative integer (a bool is not one)."""
    ver = claims.get("ver")
    if isinstance(ver, bool) or not isinstance(ver, int) or ver < 0:
        raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "invalid token version"})
    return ver


def state_keys(claims: Mapping[str, Any]) -> tuple[str, str]:
    """The two keys that say whether a token still counts: its sign-out, its account's version."""
    return revoked_jti_key(claims["jti"]), token_version_key(claims["sub"])


def judge(claims: Mapping[str, Any], revoked: Any, minimum: Any) -> None:
    """What the two keys (`state_keys`, read in this request) say about the token."""
    ver = token_version_claim(claims)
    if revoked is not None:
        raise MesError(ErrorCode.TOKEN_REVOKED, data={"reason": "signed out"})
    if minimum is not None and ver < int(minimum):
        raise MesError(ErrorCode.TOKEN_REVOKED, data={"reason": "account changed"})


# The gateway reads the two keys in the same Redis round trip as its rate limit and leaves
# them in the request's scope under this key, as (raw token, revoked, minimum version).
PREFETCHED_SCOPE_KEY = "mes.token_state"


def prefetched(scope: Mapping[str, Any], token: str) -> tuple[Any, Any] | None:
    """The keys read earlier in this very request for this token, if any."""
    found = scope.get(PREFETCHED_SCOPE_KEY)
    if found is None or found[0] != token:
        return None
    return found[1], found[2]


class TokenState:
    def __init__(self, redis_getter: Callable[[], Any]) -> None:
        self.redis_getter = redis_getter  # the runtime's client exists only after start-up

    # -- every service ---------------------------------------------------------------------
    async def check(self, claims: Mapping[str, Any]) -> None:
        """Refuse a signed-out token and one issued before its account last changed."""
        token_version_claim(claims)
        revoked, minimum = await self.redis_getter().mget(*state_keys(claims))
        judge(claims, revoked, minimum)

    # -- the gateway -----------------------------------------------------------------------
    async def revoke_tokens(self, tokens: Mapping[str, datetime]) -> None:
        """Sign out tokens (jti → expiry); tokens that have expired already are left out."""
        now = datetime.now(UTC)
        live = {jti: math.ceil((exp - now).total_seconds()) for jti, exp in tokens.items()}
        live = {jti: ttl for jti, ttl in live.items() if ttl > 0}
        if not live:
            return
        async with self.redis_getter().pipeline(transaction=False) as pipe:
            for jti, ttl in live.items():
                pipe.set(revoked_jti_key(jti), "1", ex=ttl)
            await pipe.execute()

    async def raise_versions(self, versions: Mapping[str, int]) -> None:
        """Publish account versions; a key only ever moves up."""
        redis = self.redis_getter()
        items = list(versions.items())
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            await redis.eval(
                _RAISE_VERSIONS,
                len(batch),
                *(token_version_key(u) for u, _ in batch),
                *(str(v) for _, v in batch),
            )

    async def set_versions(self, versions: Mapping[str, int]) -> None:
        """Publish account versions as they are (the users table is the truth: after a
        database restore a version may go down)."""
        items = list(versions.items())
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            await self.redis_getter().mset({token_version_key(u): str(v) for u, v in batch})
