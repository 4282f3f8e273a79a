"""KPI rules as plain functions (ADR 0027): first-pass yield, rework, rolled throughput
yield, Pareto shares, hourly buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from trace_service.kpis.rules import (
    Attempt,
    StepYield,
    hourly,
    pareto,
    rolled_throughput_yield,
    step_passes,
    yields,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _try(lot, process, start, done, result, units=10):
    return Attempt(lot, process, _at(start), None if done is None else _at(done), result, units)


def test_the_first_attempt_judges_the_step_and_a_second_is_rework():
    passes = step_passes(
        [
            _try("A", "P3", 10, 20, "PASS", units=10),
            _try("B", "P3", 30, 40, "PASS", units=30),  # second, given first
            _try("B", "P3", 0, 5, "FAIL", units=30),
            _try("C", "P3", 50, None, None),  # first attempt still running: not judged
        ]
    )
    assert {(p.lot_number, p.first_pass, p.reworked) for p in passes} == {
        ("A", True, False),
        ("B", False, True),
    }
    step = yields(passes)[""].steps["P3"]
    assert (step.lots, step.units, step.first_pass_units, step.reworked_units) == (2, 40, 10, 30)
    assert step.first_pass_yield == pytest.approx(0.25)  # units, not LOTs (which say 0.5)
    assert step.rework_rate == pytest.approx(0.75)


def test_a_failure_disposed_without_rework_is_no_rework():
    passes = step_passes([_try("A", "P6", 0, 5, "FAIL")])
    step = yields(passes)[""].steps["P6"]
    assert (step.first_pass_yield, step.rework_rate) == (0.0, 0.0)


def test_lots_of_unknown_quantity_count_by_lots():
    step = StepYield("P1", lots=4, first_pass_lots=3, reworked_lots=1)
    assert (step.first_pass_yield, step.rework_rate) == (0.75, 0.25)
    assert StepYield("P1").first_pass_yield is None


def test_rolled_throughput_yield_is_the_product_of_the_first_pass_yields():
    steps = [
        StepYield("P1", lots=1, units=100, first_pass_units=90),
        StepYield("P2", lots=1, units=100, first_pass_units=80),
        StepYield("P3"),  # nothing judged: left out
    ]
    assert rolled_throughput_yield(steps) == pytest.approx(0.72)
    assert rolled_throughput_yield([StepYield("P1")]) is None


def test_pareto_largest_first_with_running_share():
    rows = pareto({"temp": 6, "force": 3, "i2c": 1})
    assert [(r.key, r.count) for r in rows] == [("temp", 6), ("force", 3), ("i2c", 1)]
    assert [r.share for r in rows] == pytest.approx([0.6, 0.3, 0.1])
    assert [r.cumulative_share for r in rows] == pytest.approx([0.6, 0.9, 1.0])
    assert pareto({}) == []
    assert [r.key for r in pareto({"b": 2, "a": 2})] == ["a", "b"]  # ties by key


def test_hourly_buckets_every_hour_of_the_window_and_ignores_the_rest():
    start, end = T0, T0 + timedelta(hours=24)
    out = hourly(start, end, [(_at(5), 10), (_at(59), 5), (_at(60), 7), (_at(24 * 60), 99)])
    assert len(out) == 24
    assert out[0] == (T0, 15) and out[1] == (T0 + timedelta(hours=1), 7)
    assert sum(n for _, n in out) == 22
