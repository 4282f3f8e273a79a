"""User management (admin): accounts, roles, worker ids, deactivation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from mes_contracts.api.admin import UserCreate, UserRead, UserUpdate
from mes_contracts.api.common import Page
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.roles import Role
from servicekit.auth import Admin, Principal
from servicekit.paging import PageLimit, PageOffset
from servicekit.runtime import actor_of

from . import users as user_store
from .passwords import hash_password
from .responses import answer

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("", response_model=SuccessBody[Page[UserRead]])
async def list_users(
    request: Request,
    _: Admin,
    role: Role | None = None,
    active: bool | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await user_store.list_users(
            session, role=role, active=active, limit=limit, offset=offset
        )
    return answer(
        "OK",
        {
            "items": [user_store.public_view(u) for u in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        },
    )


@router.post("", status_code=201, response_model=SuccessBody[UserRead])
async def create_user(body: UserCreate, request: Request, principal: Admin) -> JSONResponse:
    runtime = request.app.state.runtime
    password_hash = await hash_password(body.password)  # before the transaction opens
    async with runtime.db.transaction() as session:
        created = await user_store.create_user_if_missing(
            runtime,
            session,
            username=body.username,
            password_hash=password_hash,
            role=body.role,
            worker_id=body.worker_id,
            display_name=body.display_name,
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
        if not created:
            raise MesError(ErrorCode.USER_EXISTS, data={"username": body.username})
        user = await user_store.get_user(session, body.username)
    return answer(
        "사용자가 생성되었습니다 (user created)", user_store.public_view(user), status_code=201
    )


@router.get("/{username}", response_model=SuccessBody[UserRead])
async def get_user(username: str, request: Request, _: Admin) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        user = await user_store.get_user(session, username)
    if user is None:
        raise MesError(ErrorCode.USER_NOT_FOUND, data={"username": username})
    return answer("OK", user_store.public_view(user))


async def _change(
    request: Request, principal: Principal, username: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply a change; if it revokes the account's tokens, the new version reaches Redis
    after the commit and before the 200, so no old token works once the caller knows."""
    runtime = request.app.state.runtime
    if password := changes.pop("password", None):
        changes["password_hash"] = await hash_password(password)  # before the transaction
    async with runtime.db.transaction() as session:
        user, revokes = await user_store.update_user(
            runtime,
            session,
            username,
            changes,
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
        if revokes:
            await request.app.state.refresh_tokens.revoke_user(session, username, "account changed")
    if revokes:
        await request.app.state.token_state.raise_versions({username: user["token_version"]})
    return user


@router.patch("/{username}", response_model=SuccessBody[UserRead])
async def update_user(
    username: str, body: UserUpdate, request: Request, principal: Admin
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise MesError(ErrorCode.VALIDATION_ERROR, data={"reason": "nothing to change"})
    user = await _change(request, principal, username, changes)
    return answer("사용자가 변경되었습니다 (user updated)", user_store.public_view(user))


@router.delete("/{username}", response_model=SuccessBody[UserRead])
async def deactivate_user(username: str, request: Request, principal: Admin) -> JSONResponse:
    """Users are never erased (the audit trail names them): deletion deactivates."""
    change = {"active": False, "reason": "deleted by admin"}
    user = await _change(request, principal, username, change)
    return answer("사용자가 비활성화되었습니다 (user deactivated)", user_store.public_view(user))
