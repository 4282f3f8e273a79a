"""JWT verification in every service: tokens are signed by the gateway (asymmetric key),
so a request reaching a service directly without a valid token is refused here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import Role

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a token type name, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    worker_id: str | None = None
    token_id: str | None = None
    source_ip: str | None = None


class JwtVerifier:
    def __init__(self, public_key_pem: str, *, issuer: str, audience: str, algorithm: str) -> None:
        self.public_key = public_key_pem
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm  # pinned: never taken from the token header

    def verify(self, token: str, *, expected_type: str = ACCESS_TOKEN_TYPE) -> dict:
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "typ", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise MesError(ErrorCode.TOKEN_EXPIRED) from exc
        except jwt.PyJWTError as exc:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": str(exc)}) from exc
        if claims.get("typ") != expected_type:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "wrong token type"})
        return claims

    def principal(self, token: str, source_ip: str | None = None) -> Principal:
        claims = self.verify(token)
        try:
            role = Role(claims.get("role"))
        except ValueError as exc:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "unknown role"}) from exc
        return Principal(
            user_id=claims["sub"],
            role=role,
            worker_id=claims.get("worker_id"),
            token_id=claims.get("jti"),
            source_ip=source_ip,
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "missing bearer token"})
    return token.strip()


def client_ip(request: Request) -> str | None:
    # Services sit behind the gateway, which sets X-Forwarded-For to the real client.
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else None


def current_principal(request: Request) -> Principal:
    verifier: JwtVerifier | None = getattr(request.app.state, "jwt_verifier", None)
    if verifier is None:
        raise MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"reason": "no JWT public key"})
    principal = verifier.principal(bearer_token(request), client_ip(request))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(roles: Iterable[Role]) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise MesError(
                ErrorCode.FORBIDDEN,
                data={"role": principal.role, "allowed": sorted(r.value for r in allowed)},
            )
        return principal

    return check
