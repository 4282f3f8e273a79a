"""Alert rules as pure functions: a rule says which conditions hold now (`AlertSpec`s),
`reconcile` compares them with the alerts open in the rule's scope and says what to raise
and what to resolve. Raising once per condition key and resolving when it clears follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Printer states that need somebody (ready is fine; unknown states are not guessed at).
PRINTER_FAULTS: dict[str, tuple[str, str]] = {
    "paper_out": ("critical", "is out of paper"),
    "head_open": ("critical", "has its head open"),
    "ribbon_out": ("critical", "is out of ribbon"),
    "not_connected": ("critical", "is not connected"),
    "not_responding": ("critical", "does not answer"),
    "paused": ("warning", "is paused"),
    "buffer_full": ("warning", "has a full buffer"),
}


@dataclass(frozen=True)
class AlertSpec:
    rule: str
    condition_key: str
    severity: str
    subject_type: str
    subject_id: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def reconcile(
    open_keys: Iterable[str], holding: Iterable[AlertSpec]
) -> tuple[list[AlertSpec], list[str]]:
    """(to raise, keys to resolve) for one scope: conditions that hold without an open
    alert are raised; open alerts whose condition no longer holds are resolved."""
    open_set = set(open_keys)
    wanted = {s.condition_key: s for s in holding}
    raise_ = [s for k, s in wanted.items() if k not in open_set]
    resolve = sorted(open_set - set(wanted))
    return raise_, resolve


# -- printers -------------------------------------------------------------------------------
def printer_scope(printer_id: str) -> str:
    return f"printer:{printer_id}:"


def printer_alerts(printer_id: str, state: str) -> list[AlertSpec]:
    """What holds for a printer in `state`: one alert for a fault, none when ready."""
    fault = PRINTER_FAULTS.get(state)
    if fault is None:
        return []
    severity, text = fault
    return [
        AlertSpec(
            rule=f"printer.{state}",
            condition_key=f"{printer_scope(printer_id)}{state}",
            severity=severity,
            subject_type="printer",
            subject_id=printer_id,
            code=f"ALERT_PRINTER_{state.upper()}",
            message=f"Printer {printer_id} {text}",
            params={"printer_id": printer_id, "state": state},
        )
    ]


# -- label jobs -----------------------------------------------------------------------------
def label_failed_key(lot_number: str) -> str:
    return f"label_failed:{lot_number}"


def label_failed_alerts(lot_number: str, failing_jobs: list[str]) -> list[AlertSpec]:
    """A LOT whose labels failed and were not printed since: one alert per LOT."""
    if not failing_jobs:
        return []
    return [
        AlertSpec(
            rule="label.failed",
            condition_key=label_failed_key(lot_number),
            severity="warning",
            subject_type="lot",
            subject_id=lot_number,
            code="ALERT_LABEL_FAILED",
            message=f"{len(failing_jobs)} label(s) of LOT {lot_number} not printed",
            params={"lot_number": lot_number, "jobs": sorted(failing_jobs)[:50]},
        )
    ]


LABEL_QUEUED_SCOPE = "label_queued:"


def label_queued_alerts(waiting: Mapping[str, int], minutes: float) -> list[AlertSpec]:
    """LOTs (lot → jobs) whose labels have waited for a printer longer than `minutes`."""
    return [
        AlertSpec(
            rule="label.queued_too_long",
            condition_key=f"{LABEL_QUEUED_SCOPE}{lot}",
            severity="warning",
            subject_type="lot",
            subject_id=lot,
            code="ALERT_LABEL_QUEUED_TOO_LONG",
            message=f"{count} label(s) of LOT {lot} waiting longer than {minutes:g} min",
            params={"lot_number": lot, "jobs": count, "minutes": minutes},
        )
        for lot, count in sorted(waiting.items())
    ]


# -- quality --------------------------------------------------------------------------------
DEFECT_RATE_SCOPE = "defect_rate:"


def defect_rate_alerts(
    today: Mapping[str, tuple[int, int]], threshold: float, min_completed: int
) -> list[AlertSpec]:
    """Processes (id → completed today, failed today) whose defect rate is over
    `threshold`, once at least `min_completed` were completed (a first FAIL is no rate)."""
    found = []
    for process_id, (completed, failed) in sorted(today.items()):
        if completed < max(1, min_completed) or failed / completed <= threshold:
            continue
        rate = round(failed / completed, 4)
        found.append(
            AlertSpec(
                rule="process.defect_rate",
                condition_key=f"{DEFECT_RATE_SCOPE}{process_id}",
                severity="warning",
                subject_type="process",
                subject_id=process_id,
                code="ALERT_DEFECT_RATE",
                message=f"{process_id}: {rate:.1%} defective today (over {threshold:.1%})",
                params={
                    "process_id": process_id,
                    "completed": completed,
                    "failed": failed,
                    "rate": rate,
                    "threshold": threshold,
                },
            )
        )
    return found


# -- holds ----------------------------------------------------------------------------------
def lot_hold_key(lot_number: str) -> str:
    return f"lot_held:{lot_number}"


def lot_hold_alerts(lot_number: str, held: bool, reason: str | None = None) -> list[AlertSpec]:
    """A LOT on hold (`reason`: the NCRs that hold it): one alert per LOT."""
    if not held:
        return []
    return [
        AlertSpec(
            rule="lot.held",
            condition_key=lot_hold_key(lot_number),
            severity="warning",
            subject_type="lot",
            subject_id=lot_number,
            code="ALERT_LOT_HELD",
            message=f"LOT {lot_number} is on hold" + (f": {reason}" if reason else ""),
            params={"lot_number": lot_number, "reason": reason},
        )
    ]


# -- stalled LOTs ---------------------------------------------------------------------------
LOT_STALLED_SCOPE = "lot_stalled:"


@dataclass(frozen=True)
class OpenStep:
    """A LOT's step in progress (its latest attempt, the LOT still open) with a takt."""

    lot_number: str
    process_id: str
    process_name: str | None
    work_order_id: str
    takt_seconds: int
    last_activity: datetime  # its start, or the LOT's newest event after it


def lot_stalled_key(lot_number: str, process_id: str) -> str:
    return f"{LOT_STALLED_SCOPE}{lot_number}:{process_id}"


def lot_stalled_alerts(
    steps: Iterable[OpenStep], multiple: float, now: datetime, open_keys: Iterable[str] = ()
) -> list[AlertSpec]:
    """Steps idle for longer than `multiple` × their takt. Raised once: an alert already
    open holds while its step is in progress (activity after it does not resolve it);
    it resolves when the step completes or the LOT closes (the step is no longer listed)."""
    already = set(open_keys)
    found = []
    for s in sorted(steps, key=lambda s: (s.lot_number, s.process_id)):
        key = lot_stalled_key(s.lot_number, s.process_id)
        idle = (now - s.last_activity).total_seconds()
        limit = multiple * s.takt_seconds
        if idle <= limit and key not in already:
            continue
        minutes = max(0, int(idle // 60))
        found.append(
            AlertSpec(
                rule="lot.stalled",
                condition_key=key,
                severity="warning",
                subject_type="lot",
                subject_id=s.lot_number,
                code="ALERT_LOT_STALLED",
                message=f"LOT {s.lot_number} at {s.process_id}: no activity for {minutes} min "
                f"(over {multiple:g} × takt {s.takt_seconds // 60} min)",
                params={
                    "lot_number": s.lot_number,
                    "process_id": s.process_id,
                    "process_name": s.process_name,
                    "work_order_id": s.work_order_id,
                    "idle_minutes": minutes,
                    "takt_seconds": s.takt_seconds,
                    "multiple": multiple,
                    "last_activity": s.last_activity.isoformat(),
                },
            )
        )
    return found


# -- streams --------------------------------------------------------------------------------
DEAD_LETTER_SCOPE = "dead_letter:"
CONSUMER_LAG_SCOPE = "consumer_lag:"


def dead_letter_alerts(lengths: Mapping[str, int]) -> list[AlertSpec]:
    """Streams (source stream → entries in its `.dlq`) with dead letters waiting."""
    return [
        AlertSpec(
            rule="stream.dead_letters",
            condition_key=f"{DEAD_LETTER_SCOPE}{stream}",
            severity="critical",
            subject_type="stream",
            subject_id=stream,
            code="ALERT_DEAD_LETTERS",
            message=f"{count} event(s) of {stream} dead-lettered",
            params={"stream": stream, "count": count},
        )
        for stream, count in sorted(lengths.items())
        if count > 0
    ]


def consumer_lag_alerts(backlog: Mapping[tuple[str, str], int], threshold: int) -> list[AlertSpec]:
    """(stream, group) → entries not yet read or not yet acknowledged, over `threshold`."""
    return [
        AlertSpec(
            rule="stream.consumer_lag",
            condition_key=f"{CONSUMER_LAG_SCOPE}{stream}:{group}",
            severity="warning",
            subject_type="stream",
            subject_id=stream,
            code="ALERT_CONSUMER_LAG",
            message=f"{group} is {count} event(s) behind on {stream}",
            params={"stream": stream, "group": group, "backlog": count, "threshold": threshold},
        )
        for (stream, group), count in sorted(backlog.items())
        if count > threshold
    ]


# -- SPC (ADR 0026) -------------------------------------------------------------------------
def spc_scope(check: str) -> str:
    return f"spc:{check}:"


def spc_alerts(
    check: str, process_id: str, version: int, hits: Mapping[str, tuple[str, str]]
) -> list[AlertSpec]:
    """Rules (rule → (description, LOT of its newest hit)) that hit the check's recent
    window against limits `version`: one alert per check and rule."""
    return [
        AlertSpec(
            rule="spc.violation",
            condition_key=f"{spc_scope(check)}{rule}",
            severity="warning",
            subject_type="process",
            subject_id=process_id,
            code="ALERT_SPC_VIOLATION",
            message=f"{check}: SPC rule {rule} ({what}), LOT {lot}",
            params={
                "check": check,
                "process_id": process_id,
                "rule": rule,
                "description": what,
                "lot_number": lot,
                "limits_version": version,
            },
        )
        for rule, (what, lot) in sorted(hits.items())
    ]
