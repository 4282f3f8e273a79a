"""Token issuing (the gateway is the only holder of the private key)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt


class TokenIssuer:
    def __init__(
        self,
        private_key_pem: str,
        *,
        issuer: str,
        audience: str,
        algorithm: str,
        access_minutes: int,
    ) -> None:
        self.private_key = private_key_pem
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
            "typ": "access",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + self.access_ttl,
        }
        token = jwt.encode(claims, self.private_key, algorithm=self.algorithm)
        return token, int(self.access_ttl.total_seconds())
