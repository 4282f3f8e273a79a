"""The stalled-LOT rule as a plain function (ADR 0024): a step idle for longer than the
takt multiple raises once, holds while the step is in progress, resolves when it is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mes_contracts.routing import DEFAULT_ROUTING
from servicekit.migration_ops import WF_TAKTS_2026_12
from trace_service.alerts import rules
from trace_service.alerts.settings import AlertSettings

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
LOT = "WF-KR-261204D-001"


def step(idle_minutes: float, takt_seconds: int = 1800, process_id: str = "PROC-003"):
    return rules.OpenStep(
        lot_number=LOT,
        process_id=process_id,
        process_name="센서 검사",
        work_order_id="WO-1",
        takt_seconds=takt_seconds,
        last_activity=NOW - timedelta(minutes=idle_minutes),
    )


def _apply(open_keys: set[str], holding: list[rules.AlertSpec]) -> set[str]:
    to_raise, to_resolve = rules.reconcile(open_keys, holding)
    return (open_keys - set(to_resolve)) | {s.condition_key for s in to_raise}


@pytest.mark.parametrize(
    ("idle", "multiple", "raised"),
    [(89, 3, False), (90, 3, False), (91, 3, True), (31, 1, True), (29, 1, False)],
)
def test_idle_past_the_takt_multiple(idle: float, multiple: float, raised: bool) -> None:
    found = rules.lot_stalled_alerts([step(idle)], multiple, NOW)
    assert bool(found) is raised
    if raised:
        [alert] = found
        assert (alert.code, alert.subject_type, alert.subject_id) == (
            "ALERT_LOT_STALLED",
            "lot",
            LOT,
        )
        assert alert.condition_key == f"lot_stalled:{LOT}:PROC-003"
        assert alert.params["process_id"] == "PROC-003"
        assert alert.params["idle_minutes"] == int(idle)
        assert alert.params["takt_seconds"] == 1800 and alert.params["multiple"] == multiple


def test_raised_once_held_while_in_progress_resolved_when_the_step_is_gone() -> None:
    keys = _apply(set(), rules.lot_stalled_alerts([step(120)], 3, NOW))
    assert keys == {rules.lot_stalled_key(LOT, "PROC-003")}
    # Polled again: nothing new.
    again = rules.lot_stalled_alerts([step(121)], 3, NOW, keys)
    assert rules.reconcile(keys, again) == ([], [])
    # Activity on the LOT (idle again below the limit): still open, not raised anew.
    busy = rules.lot_stalled_alerts([step(1)], 3, NOW, keys)
    assert rules.reconcile(keys, busy) == ([], [])
    # The step completed or the LOT closed: it is no longer listed, the alert resolves.
    assert rules.reconcile(keys, rules.lot_stalled_alerts([], 3, NOW, keys)) == (
        [],
        [rules.lot_stalled_key(LOT, "PROC-003")],
    )


def test_each_step_by_its_own_takt() -> None:
    found = rules.lot_stalled_alerts(
        [step(100, 1800, "PROC-003"), step(100, 3600, "PROC-002")], 3, NOW
    )
    assert [a.params["process_id"] for a in found] == ["PROC-003"]


def test_the_multiple_defaults_to_3_and_must_be_positive() -> None:
    assert AlertSettings().alert_stalled_takt_multiple == 3.0
    with pytest.raises(ValueError):
        AlertSettings(alert_stalled_takt_multiple=0)


def test_every_wf_step_has_a_takt_and_the_migrations_fill_the_same() -> None:
    assert {s.process_id: s.takt_seconds for s in DEFAULT_ROUTING} == WF_TAKTS_2026_12
