"""Access tokens (Ed25519 JWT, verified by every service) and rotating refresh tokens.

Refresh tokens are opaque random strings stored only as SHA-256. A login opens a family;
each refresh marks the presented token rotated and issues the next one in the family.
Presenting a rotated (or revoked) token means it leaked: the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from mes_contracts.errors import ErrorCode, MesError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import refresh_tokens


class TokenIssuer:
    def __init__(
        self,
        private_key_pem: str,
        *,
        issuer: str,
        audience: str,
        algorithm: str,
        access_minutes: float,
    ) -> None:
        # Parsed once: given the PEM text, PyJWT parses it again for every token it signs.
        self.private_key = jwt.get_algorithm_by_name(algorithm).prepare_key(private_key_pem)
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        self.access_ttl = timedelta(minutes=access_minutes)

    def access_token(self, user: dict[str, Any]) -> tuple[str, int]:
        now = datetime.now(UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user["username"],
            "role": user["role"],
            "worker_id": user.get("worker_id"),
            "ver": user["token_version"],
            "typ": "access",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + self.access_ttl,
        }
        token = jwt.encode(claims, self.private_key, algorithm=self.algorithm)
        return token, int(self.access_ttl.total_seconds())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshGrant:
    token: str
    family_id: uuid.UUID
    expires_at: datetime


class RefreshTokens:
    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl

    async def open_family(self, session: AsyncConnection, username: str) -> RefreshGrant:
        return await self._issue(session, username, uuid.uuid4())

    async def _issue(
        self, session: AsyncConnection, username: str, family: uuid.UUID
    ) -> RefreshGrant:
        token = secrets.token_urlsafe(48)
        now = datetime.now(UTC)
        expires = now + self.ttl
        await session.execute(
            refresh_tokens.insert().values(
                token_hash=_digest(token),
                family_id=family,
                username=username,
                issued_at=now,
                expires_at=expires,
            )
        )
        return RefreshGrant(token, family, expires)

    async def rotate(self, session: AsyncConnection, token: str) -> tuple[str, RefreshGrant]:
        """Exchange a live refresh token for the next one; returns (username, grant)."""
        row = (
            await session.execute(
                select(refresh_tokens)
                .where(refresh_tokens.c.token_hash == _digest(token))
                .with_for_update()
            )
        ).first()
        now = datetime.now(UTC)
        if row is None:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "unknown refresh token"})
        if row.rotated_at is not None or row.revoked_at is not None:
            await self.revoke_family(session, row.family_id, "reuse_detected")
            raise MesError(ErrorCode.TOKEN_REVOKED, data={"reason": "refresh token reuse detected"})
        if row.expires_at <= now:
            raise MesError(ErrorCode.TOKEN_EXPIRED, data={"reason": "refresh token expired"})
        await session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == row.token_hash)
            .values(rotated_at=now)
        )
        return row.username, await self._issue(session, row.username, row.family_id)

    async def family_of(self, session: AsyncConnection, token: str) -> uuid.UUID | None:
        row = (
            await session.execute(
                select(refresh_tokens.c.family_id).where(
                    refresh_tokens.c.token_hash == _digest(token)
                )
            )
        ).first()
        return row.family_id if row else None

    async def revoke_family(self, session: AsyncConnection, family: uuid.UUID, reason: str) -> None:
        await session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), revoked_reason=reason)
        )

    async def revoke_user(self, session: AsyncConnection, username: str, reason: str) -> None:
        await session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.username == username, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), revoked_reason=reason)
        )
