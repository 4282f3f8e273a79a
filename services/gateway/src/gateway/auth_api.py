"""Sign-in, token refresh with rotation, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from mes_contracts.api.admin import (
    LoginRequest,
    LogoutData,
    LogoutRequest,
    RefreshRequest,
    TokenPair,
    UserRead,
)
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from servicekit.auth import Reader, bearer_token, client_ip

from . import users as user_store
from .models import auth_events
from .passwords import verify_password
from .responses import answer
from .revocation import record_sign_out

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _tokens_body(request: Request, user: dict[str, Any], grant: Any) -> dict[str, Any]:
    access, expires_in = request.app.state.token_issuer.access_token(user)
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": expires_in,
        "refresh_token": grant.token,
        "refresh_expires_at": grant.expires_at.isoformat(),
        "user": user_store.public_view(user),
    }


async def _record(
    session: Any,
    request: Request,
    username: str | None,
    action: str,
    outcome: str,
    detail: str | None = None,
) -> None:
    await session.execute(
        auth_events.insert().values(
            username=username,
            action=action,
            outcome=outcome,
            source_ip=client_ip(request),
            detail=detail,
        )
    )


def _may_sign_in(user: dict[str, Any] | None, fresh: dict[str, Any] | None) -> bool:
    """The account checked is still the account signing in: active, and neither its
    password nor its rights changed while the password was being verified."""
    return (
        user is not None
        and fresh is not None
        and fresh["active"]
        and fresh["token_version"] == user["token_version"]
        and fresh["password_hash"] == user["password_hash"]
    )


@router.post("/login", response_model=SuccessBody[TokenPair])
async def login(body: LoginRequest, request: Request) -> JSONResponse:
    """Read the account, verify the password off the loop with no transaction open, then
    write the outcome (and the refresh family) in a short transaction of its own."""
    runtime = request.app.state.runtime
    async with runtime.db.transaction() as session:
        user = await user_store.get_user(session, body.username)
    ok = await verify_password(user["password_hash"] if user else None, body.password)
    async with runtime.db.transaction() as session:
        if ok and user is not None:
            fresh = await user_store.get_user(session, user["username"])
            ok = _may_sign_in(user, fresh)
            user = fresh
        if not ok or user is None:
            await _record(session, request, body.username[:64], "login", "refused")
        else:
            grant = await request.app.state.refresh_tokens.open_family(session, user["username"])
            await _record(session, request, user["username"], "login", "ok")
    if not ok or user is None:
        raise MesError(ErrorCode.INVALID_CREDENTIALS)
    return answer("로그인되었습니다 (signed in)", _tokens_body(request, user, grant))


@router.post("/refresh", response_model=SuccessBody[TokenPair])
async def refresh(body: RefreshRequest, request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    failure: MesError | None = None
    async with runtime.db.transaction() as session:
        try:
            username, grant = await request.app.state.refresh_tokens.rotate(
                session, body.refresh_token
            )
            user = await user_store.get_user(session, username)
            if user is None or not user["active"]:
                raise MesError(ErrorCode.TOKEN_REVOKED, data={"reason": "account disabled"})
            await _record(session, request, username, "refresh", "ok")
        except MesError as exc:
            failure = exc  # keep the family revocation: commit, then answer the error
            await _record(session, request, None, "refresh", "refused", exc.code.value)
    if failure is not None:
        raise failure
    return answer("토큰이 갱신되었습니다 (refreshed)", _tokens_body(request, user, grant))


@router.post("/logout", response_model=SuccessBody[LogoutData])
async def logout(
    request: Request, principal: Reader, body: LogoutRequest | None = None
) -> JSONResponse:
    runtime = request.app.state.runtime
    claims = request.app.state.jwt_verifier.verify(bearer_token(request))
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    async with runtime.db.transaction() as session:
        await record_sign_out(session, claims["jti"], principal.user_id, expires_at)
        tokens = request.app.state.refresh_tokens
        family = (
            await tokens.family_of(session, body.refresh_token)
            if body and body.refresh_token
            else None
        )
        if family is not None:
            await tokens.revoke_family(session, family, "logout")
        await _record(session, request, principal.user_id, "logout", "ok")
    # After the commit, before the 200: every service refuses the token from here on.
    await request.app.state.token_state.revoke_tokens({claims["jti"]: expires_at})
    return answer("로그아웃되었습니다 (signed out)", {"revoked_refresh_family": family is not None})


@router.get("/me", response_model=SuccessBody[UserRead])
async def me(request: Request, principal: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        user = await user_store.get_user(session, principal.user_id)
    if user is None:
        raise MesError(ErrorCode.USER_NOT_FOUND)
    return answer("OK", user_store.public_view(user))
