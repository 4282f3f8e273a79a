"""What the core tells the screen. Plain immutable values, safe to hand across threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def now_local() -> datetime:
    """Wall-clock time with the station's UTC offset (what the MES is sent)."""
    return datetime.now().astimezone().replace(microsecond=0)


@dataclass(frozen=True)
class StartOutcome:
    """A scanned LOT's start. `state`: sending → started | queued | failed;
    `already_started` when a replay after a lost answer finds it recorded."""

    lot_number: str
    process_id: str
    state: str
    data: dict[str, Any] | None = None
    error: dict[str, Any] | None = None  # {"error_code", "message", "data"}
    at: datetime = field(default_factory=now_local)


@dataclass(frozen=True)
class FileUpdate:
    """A completion file moved. `state`: queued | completed | error."""

    name: str
    state: str
    result: str | None = None  # PASS / FAIL once recorded
    error_code: str | None = None
    reason: str | None = None
    already_recorded: bool = False
    lot_number: str | None = None
    error_data: dict[str, Any] | None = None  # the refusal's `data` (for plain words)
    failed_checks: tuple[str, ...] = ()  # a FAIL's defect checks
    process_id: str | None = None
    at: datetime = field(default_factory=now_local)


@dataclass(frozen=True)
class QueueStatus:
    online: bool
    waiting: int
    failed: int
    retry_in: float | None = None
    last_error: str | None = None
    needs_login: bool = False


@dataclass(frozen=True)
class FirmwareStatus:
    """`state`: NONE | CHECKING | DOWNLOADING | READY | ERROR (READY/ERROR as in the meta)."""

    state: str
    version: str | None = None
    message: str = ""


@dataclass(frozen=True)
class LabelStatus:
    """Serial label printing: `state` ok | failed | unavailable | idle."""

    state: str
    printed: int = 0
    failed: int = 0
    message: str = ""


@dataclass(frozen=True)
class StationAlert:
    """One alert that concerns the station (its process, LOT or printer)."""

    code: str  # ALERT_PRINTER_PAPER_OUT, ALERT_LOT_HELD, …
    severity: str  # critical | warning
    subject_id: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    message: str = ""  # the MES's English text, for codes this client does not know


@dataclass(frozen=True)
class AlertsStatus:
    """The station's alerts as last polled; `reachable` False: the MES did not answer."""

    alerts: tuple[StationAlert, ...] = ()
    reachable: bool = True
