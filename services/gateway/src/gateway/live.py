"""Live feed: production events pushed to dashboards as Server-Sent Events.

One reader per gateway process (`LiveHub`: XREAD BLOCK, no consumer group) hands every
entry to every connected dashboard. A client's position is a cursor — the last entry id
of every stream it has seen — sent as the SSE event id. A reconnecting browser sends it back as `Last-Event-ID`
(or `?cursor=`), and the feed resumes exactly after the last event the client received.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError
from redis.asyncio import Redis
from servicekit.auth import authenticate
from starlette.responses import StreamingResponse

from .live_hub import Entry, LiveHub, entry_key, to_entries

router = APIRouter(prefix="/api/v1", tags=["live"])

LIVE_STREAMS = (
    ev.LOT_CREATED,
    ev.LOT_STATUS_CHANGED,
    ev.SERIALS_ALLOCATED,
    ev.SERIALS_STATUS_CHANGED,
    ev.PROCESS_STARTED,
    ev.PROCESS_COMPLETED,
    ev.LABELS_PRINTED,
    ev.LABELS_FAILED,
    ev.FIRMWARE_RELEASED,
    ev.FIRMWARE_ROLLED_BACK,
    # Holds and NCRs: the dashboards' hold chips, banners and NCR lists follow them live.
    ev.LOT_HELD,
    ev.LOT_RELEASED,
    ev.NCR_OPENED,
    ev.NCR_CLOSED,
    ev.PRINTER_STATUS_CHANGED,
    ev.ALERT_RAISED,
    ev.ALERT_ACKNOWLEDGED,
    ev.ALERT_RESOLVED,
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


async def catch_up(
    redis: Redis, since: dict[str, str], until: dict[str, str], limit: int = 10_000
) -> list[Entry]:
    """What a resuming client missed: entries after its cursor up to the hub's position."""
    behind = [s for s in LIVE_STREAMS if s in since and entry_key(since[s]) < entry_key(until[s])]
    if not behind:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for stream in behind:
            pipe.xrange(stream, min="(" + since[stream], max=until[stream], count=limit)
        results = await pipe.execute()
    return to_entries(zip(behind, results, strict=True))


async def event_stream(
    request: Request, hub: LiveHub, resume: dict[str, str]
) -> AsyncIterator[bytes]:
    listener, positions = await hub.join()
    try:
        yield b"retry: 2000\n\n"
        backlog = await catch_up(hub.redis, resume, positions) if resume else []
        positions.update({s: p for s, p in resume.items() if s in positions})
        pending = backlog
        while True:
            for entry_id, name, data in pending:
                if entry_key(entry_id) <= entry_key(positions.get(name, "0-0")):
                    continue  # seen already (the catch-up and the queue may overlap)
                positions[name] = entry_id
                yield f"id: {encode_cursor(positions)}\nevent: {name}\ndata: {data}\n\n".encode()
            if listener.dropped or await request.is_disconnected():
                return  # a dropped (too slow) client reconnects and resumes from its cursor
            try:
                pending = await asyncio.wait_for(listener.queue.get(), BLOCK_MS / 1000)
            except TimeoutError:
                pending = []
                yield b": keep-alive\n\n"
    finally:
        hub.leave(listener)


def _hub(request: Request) -> LiveHub:
    app = request.app
    hub = getattr(app.state, "live_hub", None)
    if hub is None:
        hub = app.state.live_hub = LiveHub(
            app.state.runtime.redis, LIVE_STREAMS, block_ms=BLOCK_MS, batch=BATCH
        )
    return hub


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
    await authenticate(request, token)
    resume = request.headers.get("last-event-id") or cursor
    return StreamingResponse(
        event_stream(request, _hub(request), decode_cursor(resume) if resume else {}),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
