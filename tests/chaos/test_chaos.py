"""Chaos on a throw-away stack of its own (embedded PostgreSQL and Redis, restarted at
will): services, the outbox relay, consumers, Redis and PostgreSQL killed under load;
afterwards every accepted request's effects exist exactly once in every read model.

The short run is part of `./mes test`; the full one (every service, Redis, PostgreSQL)
runs with MES_TEST_SLOW=1 or `-m slow`, and as `./mes chaos`.
"""

from __future__ import annotations

import pytest
from mes_cli.chaos import PLANS, ChaosResult, Options, run


def _assert_exactly_once(result: ChaosResult) -> None:
    assert result.verdict is not None, result.report
    verdict = result.verdict
    assert result.ok, result.report
    # The run did real work and the faults hit it.
    assert result.tally.accepted["lot"] >= 5, result.report
    assert result.tally.accepted["complete"] >= 20, result.report
    assert result.tally.outage_refusals() > 0, result.report
    names = {c.name for c in verdict.comparisons}
    assert {"process records → trace read model", "LOTs and status → trace read model"} <= names
    assert all(c.lost == 0 and c.duplicated == 0 for c in verdict.comparisons), result.report
    assert sum(verdict.pending.values()) == 0 and verdict.pending, result.report
    assert sum(verdict.dead_letters.values()) == 0, result.report
    assert set(verdict.station_items) == {"done"}, result.report


def test_short_chaos_loses_and_duplicates_nothing() -> None:
    result = run(Options(plan=PLANS["short"], gap_s=3.0, workers=2, settle_s=90.0))
    _assert_exactly_once(result)
    # The faults hit: the relay kill left committed events unpublished (sent after the
    # restart), the consumer died holding entries (reclaimed by its successor).
    assert result.figures["relay:process-service"] > 0, result.report
    assert result.figures["consumer:trace-service"] > 0, result.report
    assert any(what.startswith("kill -9 gateway") for _, what in result.timeline)


@pytest.mark.slow
def test_full_chaos_loses_and_duplicates_nothing() -> None:
    result = run(Options(plan=PLANS["full"], gap_s=5.0, workers=3, settle_s=180.0))
    _assert_exactly_once(result)
    happened = " | ".join(what for _, what in result.timeline)
    for part in ("lot-service", "process-service", "label-service", "firmware-service"):
        assert f"kill -9 {part}" in happened
    assert "kill -9 Redis" in happened and "PostgreSQL immediate shutdown" in happened
