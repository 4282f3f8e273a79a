"""Process rules with no I/O: routing order at start, completion matching."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mes_contracts import routing_progress


@dataclass(frozen=True)
class Step:
    process_id: str
    sequence: int
    name_ko: str
    name_en: str
    requires_firmware: bool = False
    hold_on_fail: bool = True
    rework_limit: int = 2


@dataclass(frozen=True)
class Record:
    """The latest record of one process for a LOT."""

    process_id: str
    completed: bool
    result: str | None


def check_can_start(
    lot_number: str, routing: list[Step], step: Step, latest: dict[str, Record]
) -> None:
    """Raise the contract's error when `step` may not start now (FR-PROC-003); the rule
    is `mes_contracts.routing_progress.start_refusal` (previous = highest earlier sequence).
    """
    routing_progress.check_can_start(lot_number, routing, step, latest)


def completion_digest(body: dict[str, Any]) -> str:
    """Identity of one completion file's content: the same file posted twice matches."""
    canonical = json.dumps(
        {
            k: body.get(k)
            for k in (
                "lot_number",
                "process_id",
                "worker_id",
                "start_time",
                "complete_time",
                "process_data",
            )
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
