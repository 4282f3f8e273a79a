"""KPI rules with no I/O (ADR 0027): first-pass yield, rework, rolled throughput yield,
Pareto shares, hourly buckets and the age of work in progress.

Every routing step is LOT-level (SPEC §3): one attempt judges all units of its LOT, so a
yield counts units as the LOTs' target quantities, and LOTs alongside."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Attempt:
    """One completed-or-open process record of a LOT."""

    lot_number: str
    process_id: str
    started_at: datetime | None
    complete_time: datetime | None
    result: str | None
    units: int = 0  # the LOT's target quantity (0 while unknown)
    product_model: str | None = None


@dataclass(frozen=True)
class StepPass:
    """A LOT's passage through one step: judged by its first completed attempt."""

    lot_number: str
    process_id: str
    units: int
    product_model: str | None
    judged_at: datetime  # completion of the first attempt
    first_pass: bool
    reworked: bool  # started again after the first attempt


def step_passes(attempts: Iterable[Attempt]) -> list[StepPass]:
    """One StepPass per (LOT, process) whose first attempt has completed."""
    by_pair: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_pair[(a.lot_number, a.process_id)].append(a)
    out = []
    for (lot, process), tries in by_pair.items():
        tries.sort(key=lambda a: (a.started_at is None, a.started_at or datetime.min))
        first = tries[0]
        if first.complete_time is None:
            continue
        out.append(
            StepPass(
                lot,
                process,
                first.units,
                first.product_model,
                first.complete_time,
                first.result == "PASS",
                len(tries) > 1,
            )
        )
    return out


@dataclass
class StepYield:
    process_id: str
    lots: int = 0
    first_pass_lots: int = 0
    reworked_lots: int = 0
    units: int = 0
    first_pass_units: int = 0
    reworked_units: int = 0

    def add(self, p: StepPass) -> None:
        self.lots += 1
        self.units += p.units
        if p.first_pass:
            self.first_pass_lots += 1
            self.first_pass_units += p.units
        if p.reworked:
            self.reworked_lots += 1
            self.reworked_units += p.units

    @property
    def first_pass_yield(self) -> float | None:
        """Share of units passing the step at the first attempt (by LOTs while no LOT's
        quantity is known)."""
        if self.units:
            return self.first_pass_units / self.units
        return self.first_pass_lots / self.lots if self.lots else None

    @property
    def rework_rate(self) -> float | None:
        if self.units:
            return self.reworked_units / self.units
        return self.reworked_lots / self.lots if self.lots else None


@dataclass
class YieldGroup:
    key: str
    steps: dict[str, StepYield] = field(default_factory=dict)

    def add(self, p: StepPass) -> None:
        self.steps.setdefault(p.process_id, StepYield(p.process_id)).add(p)


def yields(
    passes: Iterable[StepPass], key: Callable[[StepPass], Hashable] = lambda p: ""
) -> dict[Hashable, YieldGroup]:
    groups: dict[Hashable, YieldGroup] = {}
    for p in passes:
        k = key(p)
        groups.setdefault(k, YieldGroup(str(k))).add(p)
    return groups


def rolled_throughput_yield(steps: Sequence[StepYield]) -> float | None:
    """The product of the steps' first-pass yields (steps with no passage are left out):
    the chance a unit goes through the whole routing with no rework."""
    values = [s.first_pass_yield for s in steps if s.first_pass_yield is not None]
    return math.prod(values) if values else None


@dataclass(frozen=True)
class ParetoRow:
    key: str
    count: int
    share: float
    cumulative_share: float


def pareto(counts: dict[str, int]) -> list[ParetoRow]:
    """Largest first (ties by key), each with its share and the running share."""
    total = sum(counts.values())
    rows, running = [], 0
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        rows.append(ParetoRow(key, count, count / total, running / total))
    return rows


def hourly(
    start: datetime, end: datetime, events: Iterable[tuple[datetime, int]]
) -> list[tuple[datetime, int]]:
    """Units per hour of [start, end): (hour start, units) for every hour, empty ones too."""
    hours = max(0, math.ceil((end - start) / timedelta(hours=1)))
    buckets = [0] * hours
    for at, units in events:
        if start <= at < end:
            buckets[int((at - start) // timedelta(hours=1))] += units
    return [(start + timedelta(hours=i), n) for i, n in enumerate(buckets)]


def age_minutes(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds() / 60)
