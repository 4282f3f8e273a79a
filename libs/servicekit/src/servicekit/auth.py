"""JWT verification in every service: tokens are signed by the gateway (asymmetric key),
so a request reaching a service directly without a valid token is refused here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from types import MappingProxyType
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import ADMINS, FLOOR_WRITERS, MANAGERS, READERS, Role

from .hop import HopKey
from .inprocess import PRINCIPAL_SCOPE_KEY
from .token_cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE
from .token_cache import VerifiedTokens
from .token_state import TokenState, judge, prefetched, token_version_claim

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a token type name, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    worker_id: str | None = None
    token_id: str | None = None
    source_ip: str | None = None


def load_public_key(pem: str, algorithm: str) -> Any:
    """The PEM parsed once into the key object PyJWT verifies with (given the text, PyJWT
    parses it again on every call)."""
    return jwt.get_algorithm_by_name(algorithm).prepare_key(pem)


class JwtVerifier:
    def __init__(
        self,
        public_key_pem: str,
        *,
        issuer: str,
        audience: str,
        algorithm: str,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.public_key = load_public_key(public_key_pem, algorithm)
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm  # pinned: never taken from the token header
        # Tokens whose signature and claims checked, until they expire (not revocation).
        self.verified = VerifiedTokens(cache_size)

    def verify(self, token: str, *, expected_type: str = ACCESS_TOKEN_TYPE) -> Mapping[str, Any]:
        claims = self.verified.get(token)
        if claims is None:
            claims = self._decode(token)
        if claims.get("typ") != expected_type:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "wrong token type"})
        return claims

    def peek(self, token: str) -> Mapping[str, Any] | None:
        """The claims without the cost of a check: cached ones, else the unverified payload
        (None if unreadable). Only for naming what to look up before `verify` decides;
        never for trusting the token."""
        claims = self.verified.get(token)
        if claims is not None:
            return claims
        try:
            return jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None

    def _decode(self, token: str) -> Mapping[str, Any]:
        try:
            decoded = jwt.decode(
                token,
                self.public_key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "typ", "jti", "ver"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise MesError(ErrorCode.TOKEN_EXPIRED) from exc
        except jwt.PyJWTError as exc:
            raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": str(exc)}) from exc
        token_version_claim(decoded)
        claims = MappingProxyType(decoded)  # shared by every request with this token
        self.verified.put(token, claims)
        return claims

    def principal(self, token: str, source_ip: str | None = None) -> Principal:
        return self.principal_from(self.verify(token), source_ip)

    @staticmethod
    def principal_from(claims: Mapping[str, Any], source_ip: str | None = None) -> Principal:
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


def parse_networks(spec: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """`"127.0.0.1/32, 10.0.0.0/8"` → networks; empty → trust nobody."""
    return tuple(ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def resolve_client_ip(
    peer: str | None, forwarded_for: str | None, trusted: tuple[IPv4Network | IPv6Network, ...]
) -> str | None:
    """The client's address. X-Forwarded-For counts only when the peer is a trusted proxy;
    then the right-most address that is not itself a trusted proxy is the client."""
    if not peer or not forwarded_for or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _in(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request) -> str | None:
    """Behind the gateway: the address the gateway signed, else the peer's own address.
    At the gateway: X-Forwarded-For from MES_TRUSTED_PROXIES, else the peer's."""
    state = request.app.state
    hop: HopKey | None = getattr(state, "hop_key", None)
    if hop is not None and getattr(state, "behind_gateway", False):
        signed = hop.client(request.headers, request.state.request_id)
        if signed:
            return signed
    trusted = getattr(state, "trusted_proxies", ())
    peer = request.client.host if request.client else None
    return resolve_client_ip(peer, request.headers.get("x-forwarded-for"), trusted)


async def authenticate(request: Request, token: str) -> Principal:
    """Verify the token, then ask Redis whether it was revoked (signed out, or issued
    before its account changed): the same check in every service and the gateway."""
    verifier: JwtVerifier | None = getattr(request.app.state, "jwt_verifier", None)
    state: TokenState | None = getattr(request.app.state, "token_state", None)
    if verifier is None or state is None:
        raise MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"reason": "no JWT public key"})
    claims = verifier.verify(token)  # cached until it expires: the signature, not revocation
    principal = verifier.principal_from(claims, client_ip(request))
    known = prefetched(request.scope, token)  # the gateway read them in this request
    if known is not None:
        judge(claims, *known)
    else:
        await state.check(claims)
    request.state.principal = principal
    return principal


async def current_principal(request: Request) -> Principal:
    # In one process the gateway hands over the principal it verified (servicekit.inprocess);
    # nothing from the wire can put it in the ASGI scope.
    handed_over = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if isinstance(handed_over, Principal):
        request.state.principal = handed_over
        return handed_over
    return await authenticate(request, bearer_token(request))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(roles: Iterable[Role]) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:  # async: no thread hop
        if principal.role not in allowed:
            raise MesError(
                ErrorCode.FORBIDDEN,
                data={"role": principal.role, "allowed": sorted(r.value for r in allowed)},
            )
        return principal

    return check


# The route parameters of the role groups (a route declares `_: Reader`, `who: Admin`, …).
Reader = Annotated[Principal, Depends(require_roles(READERS))]
FloorWriter = Annotated[Principal, Depends(require_roles(FLOOR_WRITERS))]
Manager = Annotated[Principal, Depends(require_roles(MANAGERS))]
Admin = Annotated[Principal, Depends(require_roles(ADMINS))]
