"""Live feed: production events pushed to dashboards as Server-Sent Events.

Each client reads the streams itself (XREAD BLOCK, no consumer group: every dashboard sees
every event), starting from a cursor — the last entry id of every stream it has seen —
sent as the SSE event id. A reconnecting browser sends it back as `Last-Event-ID`
(or `?cursor=`), and the feed resumes exactly after the last event the client received.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis
from servicekit.auth import client_ip
from starlette.responses import StreamingResponse

router = APIRouter(prefix="/api/v1", tags=["live"])

LIVE_STREAMS = (
    ev.LOT_CREATED,
    ev.LOT_STATUS_CHANGED,
    ev.SERIALS_ALLOCATED,
    ev.SERIAL_STATUS_CHANGED,
    ev.PROCESS_STARTED,
    ev.PROCESS_COMPLETED,
    ev.LABEL_PRINTED,
    ev.LABEL_FAILED,
    ev.FIRMWARE_RELEASED,
    ev.FIRMWARE_ROLLED_BACK,
)
# Below redis-py's default 5 s socket timeout, or an idle feed would break every 5 s.
BLOCK_MS = 4_000
BATCH = 200
# A Redis stream entry id: anything else would make XREAD fail after the 200 was sent.
_ENTRY_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")


def encode_cursor(positions: dict[str, str]) -> str:
    raw = json.dumps(positions, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        positions = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError) as exc:
        raise MesError(ErrorCode.VALIDATION_ERROR, data={"field": "cursor"}) from exc
    if not isinstance(positions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _ENTRY_ID.fullmatch(v)
        for k, v in positions.items()
    ):
        raise MesError(ErrorCode.VALIDATION_ERROR, data={"field": "cursor"})
    return {k: v for k, v in positions.items() if k in LIVE_STREAMS}


async def current_positions(redis: Redis) -> dict[str, str]:
    """The last entry id of every stream now: 'from here on' for a new client."""
    positions: dict[str, str] = {}
    async with redis.pipeline(transaction=False) as pipe:
        for stream in LIVE_STREAMS:
            pipe.xrevrange(stream, count=1)
        results = await pipe.execute()
    for stream, last in zip(LIVE_STREAMS, results, strict=True):
        positions[stream] = last[0][0].decode() if last else "0-0"
    return positions


async def event_stream(
    request: Request, redis: Redis, positions: dict[str, str]
) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n\n"
    while not await request.is_disconnected():
        answer = await redis.xread(positions, count=BATCH, block=BLOCK_MS)
        if not answer:
            yield b": keep-alive\n\n"
            continue
        # Streams are read together; order the batch by entry id (≈ publish time).
        entries: list[tuple[str, str, bytes]] = []
        for stream, items in answer:
            name = stream.decode() if isinstance(stream, bytes) else stream
            for entry_id, fields in items:
                entries.append((entry_id.decode(), name, fields.get(DATA_FIELD.encode(), b"{}")))
        entries.sort(key=lambda e: tuple(int(p) for p in e[0].split("-")))
        for entry_id, name, payload in entries:
            positions[name] = entry_id
            data = payload.decode().replace("\n", " ")
            yield f"id: {encode_cursor(positions)}\nevent: {name}\ndata: {data}\n\n".encode()


@router.get("/live")
async def live(
    request: Request, cursor: str | None = None, access_token: str | None = None
) -> StreamingResponse:
    """Production events as SSE. Auth: `Authorization: Bearer …`, or `?access_token=` for
    browsers' EventSource, which cannot set headers. Resume: `Last-Event-ID` or `?cursor=`."""
    token = access_token
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value if scheme.lower() == "bearer" else None
    if not token:
        raise MesError(ErrorCode.UNAUTHORIZED, data={"reason": "missing token"})
    verifier = request.app.state.jwt_verifier
    principal = verifier.principal(token, client_ip(request))
    claims: dict[str, Any] = verifier.verify(token)
    if await request.app.state.denylist.is_revoked(claims.get("jti")):
        raise MesError(ErrorCode.TOKEN_REVOKED)
    redis: Redis = request.app.state.runtime.redis
    resume = request.headers.get("last-event-id") or cursor
    positions = await current_positions(redis)
    if resume:
        positions.update(decode_cursor(resume))
    request.state.principal = principal
    return StreamingResponse(
        event_stream(request, redis, positions),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
