"""The alert rules as plain functions: raised once per condition, resolved when it
clears, thresholds, and the webhook signature and bodies receivers check."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from trace_service.alerts import rules
from trace_service.alerts.settings import AlertSettings
from trace_service.alerts.webhooks import backoff, body_of, signature, verify

pytestmark = pytest.mark.unit


def _step(open_keys: set[str], holding: list[rules.AlertSpec]) -> set[str]:
    """One reconcile, applied: the keys open afterwards."""
    to_raise, to_resolve = rules.reconcile(open_keys, holding)
    return (open_keys - set(to_resolve)) | {s.condition_key for s in to_raise}


def test_a_printer_fault_is_raised_once_and_resolved_when_ready() -> None:
    scope = rules.printer_scope("PRINTER-01")
    paper = rules.printer_alerts("PRINTER-01", "paper_out")
    raise_, resolve = rules.reconcile(set(), paper)
    assert [s.condition_key for s in raise_] == ["printer:PRINTER-01:paper_out"]
    assert raise_[0].severity == "critical" and raise_[0].code == "ALERT_PRINTER_PAPER_OUT"
    assert resolve == []
    open_keys = _step(set(), paper)
    # The same state polled again: nothing new (no storm).
    assert rules.reconcile(open_keys, rules.printer_alerts("PRINTER-01", "paper_out")) == ([], [])
    # Paper back: the alert resolves, nothing is raised.
    assert rules.reconcile(open_keys, rules.printer_alerts("PRINTER-01", "ready")) == (
        [],
        ["printer:PRINTER-01:paper_out"],
    )
    assert all(k.startswith(scope) for k in open_keys)


def test_a_printer_moving_from_one_fault_to_another_swaps_its_alert() -> None:
    open_keys = _step(set(), rules.printer_alerts("PRINTER-01", "paper_out"))
    raise_, resolve = rules.reconcile(open_keys, rules.printer_alerts("PRINTER-01", "head_open"))
    assert [s.rule for s in raise_] == ["printer.head_open"]
    assert resolve == ["printer:PRINTER-01:paper_out"]


@pytest.mark.parametrize(
    ("state", "severity"),
    [
        ("paper_out", "critical"),
        ("head_open", "critical"),
        ("ribbon_out", "critical"),
        ("not_connected", "critical"),
        ("not_responding", "critical"),
        ("paused", "warning"),
        ("buffer_full", "warning"),
        ("ready", None),
    ],
)
def test_printer_states(state: str, severity: str | None) -> None:
    found = rules.printer_alerts("PRINTER-07", state)
    assert [s.severity for s in found] == ([severity] if severity else [])


def test_label_failures_hold_while_a_job_is_failing() -> None:
    lot = "WF-KR-251110D-001"
    [spec] = rules.label_failed_alerts(lot, ["12", "11"])
    assert spec.condition_key == rules.label_failed_key(lot)
    assert spec.params["jobs"] == ["11", "12"] and spec.subject_type == "lot"
    assert rules.label_failed_alerts(lot, []) == []


def test_dead_letters_hold_while_the_dlq_has_entries() -> None:
    found = rules.dead_letter_alerts({"lot.created": 2, "process.started": 0})
    assert [s.condition_key for s in found] == ["dead_letter:lot.created"]
    assert found[0].params == {"stream": "lot.created", "count": 2}
    open_keys = _step(set(), found)
    # Entries trimmed from the dlq: resolved.
    assert rules.reconcile(open_keys, rules.dead_letter_alerts({})) == (
        [],
        ["dead_letter:lot.created"],
    )


@pytest.mark.parametrize(("backlog", "raised"), [(999, False), (1000, False), (1001, True)])
def test_consumer_lag_over_the_threshold(backlog: int, raised: bool) -> None:
    found = rules.consumer_lag_alerts({("process.started", "trace-service"): backlog}, 1000)
    keys = [s.condition_key for s in found]
    assert keys == (["consumer_lag:process.started:trace-service"] if raised else [])


def test_labels_queued_too_long_one_alert_per_lot() -> None:
    found = rules.label_queued_alerts({"WF-KR-251110D-002": 3, "WF-KR-251110D-001": 1}, 10)
    assert [s.subject_id for s in found] == ["WF-KR-251110D-001", "WF-KR-251110D-002"]
    assert found[1].params["jobs"] == 3


def test_a_held_lot_raises_and_a_released_one_resolves() -> None:
    lot = "WF-KR-251110D-001"
    open_keys = _step(set(), rules.lot_hold_alerts(lot, True, "NCR-7"))
    assert open_keys == {f"lot_held:{lot}"}
    assert rules.reconcile(open_keys, rules.lot_hold_alerts(lot, False)) == (
        [],
        [f"lot_held:{lot}"],
    )


def test_the_signature_is_the_hmac_sha256_of_the_timestamp_and_the_raw_body() -> None:
    body = b'{"event":"alert.raised"}'
    stamp = "1764806400"
    expected = hmac.new(b"s3cret", b"1764806400." + body, hashlib.sha256).hexdigest()
    header = f"sha256={expected}"
    assert signature("s3cret", body, stamp) == header
    now = 1764806400 + 60
    assert verify("s3cret", body, header, stamp, now=now)
    assert not verify("other", body, header, stamp, now=now)
    assert not verify("s3cret", body + b" ", header, stamp, now=now)


def test_a_replayed_delivery_fails_verification() -> None:
    body = b'{"event":"alert.raised"}'
    stamp = "1764806400"
    header = signature("s3cret", body, stamp)
    # The same bytes an hour later, or under a fresh timestamp the sender never signed.
    assert not verify("s3cret", body, header, stamp, now=1764806400 + 3600)
    assert not verify("s3cret", body, header, "1764810000", now=1764810000)
    assert not verify("s3cret", body, header, "not-a-number", now=1764806400)


_ALERT = {
    "alert_id": "7",
    "rule": "printer.paper_out",
    "severity": "critical",
    "message": "Printer PRINTER-01 is out of paper",
}


def test_bodies_json_and_slack() -> None:
    doc = json.loads(body_of("alert.raised", _ALERT, "json"))
    assert doc == {"event": "alert.raised", "alert": _ALERT}
    slack = json.loads(body_of("alert.raised", _ALERT, "slack"))
    assert set(slack) == {"text"} and "CRITICAL" in slack["text"] and "PRINTER-01" in slack["text"]
    resolved = json.loads(body_of("alert.resolved", _ALERT, "slack"))
    assert "[resolved]" in resolved["text"]


def test_retries_back_off_exponentially_up_to_the_cap() -> None:
    s = AlertSettings(alert_webhook_retry_base_seconds=2, alert_webhook_retry_max_seconds=30)
    assert [backoff(s, n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 30, 30]


@pytest.mark.parametrize(
    ("completed", "failed", "raised"),
    [(19, 10, False), (20, 1, False), (20, 2, True), (100, 5, False), (100, 6, True)],
)
def test_defect_rate_over_the_threshold_once_enough_were_completed(
    completed: int, failed: int, raised: bool
) -> None:
    found = rules.defect_rate_alerts({"PROC-003": (completed, failed)}, 0.05, 20)
    assert [s.condition_key for s in found] == (["defect_rate:PROC-003"] if raised else [])
    if raised:
        assert found[0].params["rate"] == round(failed / completed, 4)
        assert found[0].subject_type == "process"
