"""Webhook deliveries: each alert raised or resolved becomes one row per target, with the
exact body to send; a worker POSTs due rows, signed, and retries with backoff. Rows, not
memory: a delivery survives a restart, and replicas never send a row twice at once
(`FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from servicekit.db import Database
from servicekit.logging import get_logger
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import alert_deliveries
from .settings import AlertSettings, WebhookTarget

log = get_logger(__name__)

SIGNATURE_HEADER = "X-MES-Signature"
TIMESTAMP_HEADER = "X-MES-Timestamp"
EVENT_HEADER = "X-MES-Event"
DELIVERY_HEADER = "X-MES-Delivery"


#: How far a receiver should accept X-MES-Timestamp from its own clock (replays older fail).
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: str) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: the timestamp is signed with
    the body, so a captured delivery cannot be replayed later under a fresh timestamp."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    header: str,
    timestamp: str,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature, and a timestamp close to its own clock."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(signature(secret, body, timestamp), header)


_EMOJI = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}


def body_of(event_type: str, alert: dict[str, Any], fmt: str) -> bytes:
    """The bytes sent for `alert` (the event's payload): our JSON, or Slack's `text`."""
    if fmt == "slack":
        state = "resolved" if event_type == "alert.resolved" else alert["severity"].upper()
        mark = (
            ":white_check_mark:"
            if event_type == "alert.resolved"
            else _EMOJI.get(alert["severity"], "")
        )
        text = f"{mark} [{state}] {alert['message']} (alert {alert['alert_id']}, {alert['rule']})"
        doc: dict[str, Any] = {"text": text.strip()}
    else:
        doc = {"event": event_type, "alert": alert}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def backoff(settings: AlertSettings, attempts: int) -> timedelta:
    base, cap = settings.alert_webhook_retry_base_seconds, settings.alert_webhook_retry_max_seconds
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


async def queue(
    session: AsyncConnection,
    targets: list[WebhookTarget],
    alert_id: int,
    event_type: str,
    payload: dict[str, Any],
) -> None:
    """One delivery row per target, in the caller's transaction (with the alert change)."""
    if not targets:
        return
    rows = [
        {
            "alert_id": alert_id,
            "event_type": event_type,
            "target": t.name,
            "format": t.format,
            "body": body_of(event_type, payload, t.format),
        }
        for t in targets
    ]
    await session.execute(insert(alert_deliveries), rows)


class Deliverer:
    def __init__(self, db_of: Any, settings: AlertSettings) -> None:
        self._db_of = db_of  # the runtime's database, bound at start
        self.settings = settings
        self.targets = {t.name: t for t in settings.alert_webhooks}
        self.batch = 20

    @property
    def db(self) -> Database:
        return self._db_of()

    async def run(self) -> None:
        if not self.targets:
            return  # nothing is ever queued (queue_deliveries): no poll of an empty table
        async with httpx.AsyncClient(timeout=self.settings.alert_webhook_timeout_seconds) as http:
            while True:
                try:
                    while await self.tick(http) == self.batch:
                        pass
                except Exception:  # keep delivering; the next tick retries
                    log.exception("alert webhook delivery failed")
                await asyncio.sleep(self.settings.alert_webhook_poll_seconds)

    async def tick(self, http: httpx.AsyncClient) -> int:
        now = datetime.now(UTC)
        t = alert_deliveries.c
        async with self.db.transaction() as session:
            due = (
                await session.execute(
                    select(alert_deliveries)
                    .where(t.state == "pending", t.next_attempt_at <= now)
                    .order_by(t.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            rows = [dict(r._mapping) for r in due]
            # The posts go out together; the rows stay locked until their outcomes commit.
            outcomes = await asyncio.gather(*(self._post(http, row) for row in rows))
            for row, (status, error) in zip(rows, outcomes, strict=True):
                await self._record(session, row, status, error)
        return len(rows)

    async def _post(
        self, http: httpx.AsyncClient, row: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        """(HTTP status, error or None when delivered)."""
        target = self.targets.get(row["target"])
        if target is None:
            return None, "target no longer configured"
        stamp = str(int(time.time()))  # each attempt is signed when it is sent
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(target.secret.get_secret_value(), row["body"], stamp),
            TIMESTAMP_HEADER: stamp,
            EVENT_HEADER: row["event_type"],
            DELIVERY_HEADER: str(row["id"]),
            "User-Agent": "withforce-mes-alerts",
        }
        try:
            response = await http.post(target.url, content=row["body"], headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{exc.__class__.__name__}: {exc}"[:1000]
        status = response.status_code
        return status, None if 200 <= status < 300 else f"HTTP {status}"

    async def _record(
        self, session: AsyncConnection, row: dict[str, Any], status: int | None, error: str | None
    ) -> None:
        attempts = row["attempts"] + 1
        now = datetime.now(UTC)
        values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
        if error is None:
            values |= {"state": "delivered", "delivered_at": now, "next_attempt_at": None}
        elif (
            row["target"] not in self.targets
            or attempts >= self.settings.alert_webhook_max_attempts
        ):
            values |= {"state": "failed", "next_attempt_at": None}
        else:
            values["next_attempt_at"] = now + backoff(self.settings, attempts)
        await session.execute(
            update(alert_deliveries).where(alert_deliveries.c.id == row["id"]).values(**values)
        )
        if error:
            log.info("alert webhook not delivered", delivery=row["id"], error=error)


def delivery_view(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("event_type", "target", "format", "state", "attempts", "last_status", "last_error")
    view = {k: row[k] for k in keys}
    for k in ("next_attempt_at", "created_at", "delivered_at"):
        view[k] = row[k].isoformat() if row[k] else None
    return {"delivery_id": str(row["id"]), "alert_id": str(row["alert_id"]), **view}
