"""The alerts centre on real PostgreSQL: raised once per condition key even when two
transactions race, resolved when the rule says so, each change with its event in the
outbox and one webhook delivery per target; the label rule is order-tolerant."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from mes_cli.pytest_plugin import asyncpg_dsn, create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.events import make_event
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime
from trace_service.alerts import rules
from trace_service.alerts.centre import AlertCentre
from trace_service.alerts.handlers import AlertHandlers
from trace_service.alerts.settings import WebhookTarget
from trace_service.app import TraceSettings
from trace_service.models import SCHEMA, metadata

LOT = "WF-KR-251110D-001"
T0 = datetime(2025, 11, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
async def centre(pg_url: str) -> Any:
    url = await create_database(pg_url, "trace_alerts")
    await asyncio.to_thread(migrate_service, "trace_service", url)
    targets = [
        WebhookTarget(name="ops", url="http://127.0.0.1:9/x", secret="s", format="json"),
        WebhookTarget(name="chat", url="http://127.0.0.1:9/y", secret="t", format="slack"),
    ]
    settings = TraceSettings(database_url=url, alert_webhooks=targets)
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url)
    try:
        yield AlertCentre(runtime, settings)
    finally:
        await runtime.db.dispose()


async def _rows(centre: AlertCentre, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(centre.settings.database_url))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def test_raised_once_even_when_two_transactions_race(centre: AlertCentre) -> None:
    [spec] = rules.printer_alerts("PRINTER-01", "paper_out")
    db = centre.rt.db

    async def raise_one() -> bool:
        async with db.transaction() as session:
            return await centre.raise_(session, spec) is not None

    results = await asyncio.gather(*(raise_one() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with db.transaction() as session:
        assert await centre.reconcile(session, rules.printer_scope("PRINTER-01"), [spec]) == (0, 0)
        assert await centre.reconcile(session, rules.printer_scope("PRINTER-01"), []) == (0, 1)
        # The condition again after it cleared: a new alert.
        assert await centre.reconcile(session, rules.printer_scope("PRINTER-01"), [spec]) == (1, 0)
    alerts = await _rows(centre, "SELECT id, resolved_at FROM trace.alerts ORDER BY id")
    assert [a["resolved_at"] is None for a in alerts] == [False, True]
    outbox = await _rows(centre, "SELECT stream FROM trace.outbox ORDER BY seq")
    assert [o["stream"] for o in outbox] == [ev.ALERT_RAISED, ev.ALERT_RESOLVED, ev.ALERT_RAISED]
    deliveries = await _rows(
        centre, "SELECT target, event_type, body FROM trace.alert_deliveries ORDER BY id"
    )
    assert [(d["target"], d["event_type"]) for d in deliveries[:2]] == [
        ("ops", ev.ALERT_RAISED),
        ("chat", ev.ALERT_RAISED),
    ]
    assert len(deliveries) == 6
    doc = json.loads(deliveries[0]["body"])
    assert doc["event"] == ev.ALERT_RAISED and doc["alert"]["rule"] == "printer.paper_out"
    assert set(json.loads(deliveries[1]["body"])) == {"text"}


def _labels(type_: str, at: datetime, *jobs: str, will_retry: bool = True) -> Any:
    if type_ == ev.LABELS_FAILED:
        labels = [
            {
                "job_id": j,
                "label_type": "LOT",
                "printer_id": "PRINTER-01",
                "error_code": "PRINTER_OUT_OF_PAPER",
                "will_retry": will_retry,
            }
            for j in jobs
        ]
        data = {"lot_number": LOT, "failed_at": at, "labels": labels}
    else:
        labels = [{"job_id": j, "label_type": "LOT", "printer_id": "PRINTER-01"} for j in jobs]
        data = {"lot_number": LOT, "printed_at": at, "labels": labels}
    return make_event(type_, data, source="label-service")


async def _apply(centre: AlertCentre, *events: Any) -> list[tuple[str | None, bool]]:
    handlers = AlertHandlers(centre)
    for event in events:
        async with centre.rt.db.transaction() as session:
            await handlers.on_event(session, event)
    rows = await _rows(
        centre,
        "SELECT rule, resolved_at IS NULL AS open FROM trace.alerts "
        f"WHERE subject_id = '{LOT}' ORDER BY id",
    )
    return [(r["rule"], r["open"]) for r in rows]


async def test_a_failed_label_printed_later_resolves_in_either_order(centre: AlertCentre) -> None:
    failed = _labels(ev.LABELS_FAILED, T0, "1", "2")
    printed_1 = _labels(ev.LABELS_PRINTED, T0 + timedelta(seconds=5), "1")
    printed_2 = _labels(ev.LABELS_PRINTED, T0 + timedelta(seconds=9), "2")
    assert await _apply(centre, failed) == [("label.failed", True)]
    assert await _apply(centre, printed_1) == [("label.failed", True)]  # job 2 still failing
    assert await _apply(centre, printed_2) == [("label.failed", False)]


async def test_a_print_read_before_its_older_failure_raises_nothing(centre: AlertCentre) -> None:
    printed = _labels(ev.LABELS_PRINTED, T0 + timedelta(seconds=5), "7")
    failed = _labels(ev.LABELS_FAILED, T0, "7")
    assert await _apply(centre, printed, failed) == []
    # A newer failure of the same job does raise.
    again = _labels(ev.LABELS_FAILED, T0 + timedelta(seconds=9), "7", will_retry=False)
    assert await _apply(centre, again) == [("label.failed", True)]
