"""Process rules with no I/O: routing order at start, completion matching."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mes_contracts.errors import ErrorCode, MesError


@dataclass(frozen=True)
class Step:
    process_id: str
    sequence: int
    name_ko: str
    name_en: str
    requires_firmware: bool = False


@dataclass(frozen=True)
class Record:
    """The latest record of one process for a LOT."""

    process_id: str
    completed: bool
    result: str | None


def check_can_start(
    lot_number: str, routing: list[Step], step: Step, latest: dict[str, Record]
) -> None:
    """Raise the contract's error when `step` may not start now (FR-PROC-003).

    A completion (PASS or FAIL) satisfies the order; a FAIL may be reworked by starting
    the same process again, a PASS may not.
    """
    own = latest.get(step.process_id)
    if own is not None and (not own.completed or own.result == "PASS"):
        raise MesError(
            ErrorCode.DUPLICATE_START,
            data={
                "lot_number": lot_number,
                "process_id": step.process_id,
                "process_name": step.name_ko,
                "state": "IN_PROGRESS" if not own.completed else "COMPLETED",
            },
        )
    later = [s for s in routing if s.sequence > step.sequence and s.process_id in latest]
    if later:
        raise MesError(
            ErrorCode.INVALID_PROCESS_SEQUENCE,
            data={
                "lot_number": lot_number,
                "current_process": step.name_ko,
                "already_started": [s.process_id for s in later],
                "required_action": f"{later[-1].name_ko} 이후 공정만 착공할 수 있습니다",
            },
        )
    previous = next((s for s in routing if s.sequence == step.sequence - 1), None)
    if previous is not None:
        prev = latest.get(previous.process_id)
        if prev is None or not prev.completed:
            raise MesError(
                ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
                data={
                    "lot_number": lot_number,
                    "current_process": step.name_ko,
                    "previous_process": previous.name_ko,
                    "previous_process_id": previous.process_id,
                    "required_action": f"{previous.name_ko} 공정을 먼저 완료해주세요",
                },
            )


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
