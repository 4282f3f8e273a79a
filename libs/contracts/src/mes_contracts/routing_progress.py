"""Where a LOT is in its routing, computed once (FR-PROC-003, ADR 0020).

Pure functions over a routing (steps with sequence numbers, gaps allowed: 10/20/30) and a
LOT's step records. Each service passes its own copy of the data (its own step and record
types fit the protocols below); only this logic is shared.

Order is by `sequence`, never by position arithmetic: the step before 30 is the one with
the highest sequence below 30, whatever its number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from mes_contracts.errors import ErrorCode, MesError


class StepLike(Protocol):
    """What a routing step needs to have (RoutingStep, a service's own Step, a DB row)."""

    @property
    def process_id(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def name_ko(self) -> str: ...


class RecordLike(Protocol):
    """The latest record of one process for a LOT."""

    @property
    def process_id(self) -> str: ...
    @property
    def completed(self) -> bool: ...
    @property
    def result(self) -> str | None: ...


S = TypeVar("S", bound=StepLike)


@dataclass(frozen=True)
class Step:
    """A routing step, for services whose copy is not already shaped like one."""

    process_id: str
    sequence: int
    name_ko: str
    name_en: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One record (attempt) of a process for a LOT. `attempt` orders a process's records;
    records of equal attempt are ordered as given."""

    process_id: str
    completed: bool
    result: str | None = None
    attempt: int = 0


class StepState(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class StepStatus(Generic[S]):
    step: S
    state: StepState
    result: str | None
    attempts: int

    def fields(self) -> dict[str, Any]:
        """The step and its state as every service's routing view starts them."""
        step = self.step
        return {
            "process_id": step.process_id,
            "sequence": step.sequence,
            "name_ko": step.name_ko,
            "name_en": getattr(step, "name_en", None),  # not every StepLike has one
            "status": self.state.value,
        }


@dataclass(frozen=True)
class Progress(Generic[S]):
    """The LOT's position: every step's state, the furthest step reached (`current`), the
    step that may start next, the share of steps completed and whether the LOT is done."""

    steps: tuple[StepStatus[S], ...]
    current: StepStatus[S] | None
    next: S | None
    percent: int
    done: bool


def ordered(routing: Iterable[S]) -> list[S]:
    return sorted(routing, key=lambda s: s.sequence)


def find_step(routing: Iterable[S], process_id: str) -> S | None:
    return next((s for s in routing if s.process_id == process_id), None)


def previous_step(routing: Iterable[S], step: StepLike) -> S | None:
    """The step that must be completed before `step` starts: the highest earlier sequence."""
    earlier = [s for s in routing if s.sequence < step.sequence]
    return max(earlier, key=lambda s: s.sequence) if earlier else None


def next_step(routing: Iterable[S], step: StepLike) -> S | None:
    """The step after `step`: the lowest later sequence (None after the last)."""
    later = [s for s in routing if s.sequence > step.sequence]
    return min(later, key=lambda s: s.sequence) if later else None


def is_last_step(routing: Iterable[StepLike], step: StepLike) -> bool:
    return step.sequence == max(s.sequence for s in routing)


def latest_records(records: Iterable[StepRecord]) -> dict[str, StepRecord]:
    """process_id → its latest record (highest attempt; the later one given on a tie)."""
    latest: dict[str, StepRecord] = {}
    for r in records:
        seen = latest.get(r.process_id)
        if seen is None or r.attempt >= seen.attempt:
            latest[r.process_id] = r
    return latest


def start_refusal(
    lot_number: str,
    routing: Sequence[StepLike],
    step: StepLike,
    latest: Mapping[str, RecordLike],
) -> MesError | None:
    """Why `step` may not start now (the contract's error), or None if it may.

    A completion (PASS or FAIL) satisfies the order; a FAIL may be reworked by starting
    the same process again, a PASS may not (ADR 0002).
    """
    own = latest.get(step.process_id)
    if own is not None and (not own.completed or own.result == "PASS"):
        return MesError(
            ErrorCode.DUPLICATE_START,
            data={
                "lot_number": lot_number,
                "process_id": step.process_id,
                "process_name": step.name_ko,
                "state": "IN_PROGRESS" if not own.completed else "COMPLETED",
            },
        )
    later = [s for s in ordered(routing) if s.sequence > step.sequence and s.process_id in latest]
    if later:
        return MesError(
            ErrorCode.INVALID_PROCESS_SEQUENCE,
            data={
                "lot_number": lot_number,
                "current_process": step.name_ko,
                "already_started": [s.process_id for s in later],
                "required_action": f"{later[-1].name_ko} 이후 공정만 착공할 수 있습니다",
            },
        )
    previous = previous_step(routing, step)
    if previous is not None:
        prev = latest.get(previous.process_id)
        if prev is None or not prev.completed:
            return MesError(
                ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
                data={
                    "lot_number": lot_number,
                    "current_process": step.name_ko,
                    "previous_process": previous.name_ko,
                    "previous_process_id": previous.process_id,
                    "required_action": f"{previous.name_ko} 공정을 먼저 완료해주세요",
                },
            )
    return None


def check_can_start(
    lot_number: str,
    routing: Sequence[StepLike],
    step: StepLike,
    latest: Mapping[str, RecordLike],
) -> None:
    """Raise `start_refusal`'s error, if any."""
    refusal = start_refusal(lot_number, routing, step, latest)
    if refusal is not None:
        raise refusal


def _state(record: RecordLike | None) -> StepState:
    if record is None:
        return StepState.NOT_STARTED
    return StepState.COMPLETED if record.completed else StepState.IN_PROGRESS


def progress(routing: Sequence[S], records: Iterable[StepRecord]) -> Progress[S]:
    """The LOT's progress along `routing`. Records of processes not in the routing count
    for nothing; a LOT is done when the last step's latest record is a PASS."""
    records = list(records)
    latest = latest_records(records)
    attempts: dict[str, int] = {}
    for r in records:
        attempts[r.process_id] = attempts.get(r.process_id, 0) + 1
    steps = tuple(
        StepStatus(
            step=s,
            state=_state(latest.get(s.process_id)),
            result=latest[s.process_id].result if s.process_id in latest else None,
            attempts=attempts.get(s.process_id, 0),
        )
        for s in ordered(routing)
    )
    reached = [st for st in steps if st.state is not StepState.NOT_STARTED]
    current = reached[-1] if reached else None
    if current is None:
        following = steps[0].step if steps else None
    elif current.state is StepState.COMPLETED:
        following = next_step(routing, current.step)
    else:
        following = None  # the current step must complete first
    completed = sum(1 for st in steps if st.state is StepState.COMPLETED)
    done = bool(steps) and steps[-1].state is StepState.COMPLETED and steps[-1].result == "PASS"
    return Progress(
        steps=steps,
        current=current,
        next=following,
        percent=round(100 * completed / len(steps)) if steps else 0,
        done=done,
    )
