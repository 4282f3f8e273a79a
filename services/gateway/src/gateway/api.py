"""Routes the gateway serves itself (auth, users) and the catch-all proxy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import ADMINS, READERS, Role
from pydantic import BaseModel, Field
from servicekit.auth import Principal, client_ip, current_principal, require_roles
from servicekit.runtime import actor_of

from . import users as user_store
from .passwords import verify_password

router = APIRouter(prefix="/api/v1")
Admin = Annotated[Principal, Depends(require_roles(ADMINS))]
Reader = Annotated[Principal, Depends(require_roles(READERS))]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserCreate(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    password: str = Field(min_length=10, max_length=256)
    role: Role
    worker_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    display_name: str = Field(min_length=1, max_length=100)


@router.post("/auth/login", tags=["auth"])
async def login(body: LoginRequest, request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    async with runtime.db.transaction() as session:
        user = await user_store.get_user(session, body.username)
    ok = verify_password(user["password_hash"] if user else None, body.password)
    if not ok or user is None or not user["active"]:
        raise MesError(ErrorCode.INVALID_CREDENTIALS)
    token, expires_in = request.app.state.token_issuer.access_token(user)
    return {
        "status": "success",
        "message": "로그인되었습니다 (logged in)",
        "data": {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "user": user_store.public_view(user),
        },
    }


@router.get("/auth/me", tags=["auth"])
async def me(request: Request, principal: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.db.transaction() as session:
        user = await user_store.get_user(session, principal.user_id)
    if user is None:
        raise MesError(ErrorCode.USER_NOT_FOUND)
    return {"status": "success", "message": "OK", "data": user_store.public_view(user)}


@router.post("/users", status_code=201, tags=["users"])
async def create_user(body: UserCreate, request: Request, principal: Admin) -> dict[str, Any]:
    runtime = request.app.state.runtime
    async with runtime.db.transaction() as session:
        created = await user_store.create_user_if_missing(
            runtime,
            session,
            username=body.username,
            password=body.password,
            role=body.role,
            worker_id=body.worker_id,
            display_name=body.display_name,
            actor=actor_of(principal),
        )
        if not created:
            raise MesError(ErrorCode.USER_EXISTS, data={"username": body.username})
        user = await user_store.get_user(session, body.username)
    return {
        "status": "success",
        "message": "사용자가 생성되었습니다",
        "data": user_store.public_view(user),
    }


proxy_router = APIRouter()


@proxy_router.api_route(
    "/api/v1/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def proxy(path: str, request: Request) -> Response:
    # Authenticate at the door too; the service verifies the same token again.
    principal = current_principal(request)
    return await request.app.state.proxy.forward(request, principal.source_ip or client_ip(request))


def system_actor() -> Actor:
    return Actor(system="gateway")
