"""The supervisor's restart policy as plain functions: backoff, crash loops, stable runs."""

from __future__ import annotations

import pytest
from mes_cli.supervisor import ChildState, RestartPolicy

pytestmark = pytest.mark.unit

POLICY = RestartPolicy(initial_delay=1, max_delay=8, max_restarts=3, window=60, stable_after=30)


def _crash_loop(child: ChildState, times: list[float]) -> list[float | None]:
    delays = []
    for at in times:
        delays.append(child.crashed(at, -9, POLICY))
        if delays[-1] is not None:
            child.started(at + delays[-1], after_crash=True)
    return delays


def test_backoff_doubles_up_to_the_maximum():
    policy = RestartPolicy(initial_delay=1, max_delay=8, max_restarts=100, window=60)
    child = ChildState("svc", started_at=0)
    delays = []
    for at in range(0, 12, 2):  # a crash every 2 s: never stable
        delays.append(child.crashed(float(at), 1, policy))
        child.started(at + 0.5, after_crash=True)
    assert delays == [1, 2, 4, 8, 8, 8]
    assert child.restarts == 6


def test_a_stable_run_resets_the_backoff():
    child = ChildState("svc", started_at=0)
    assert child.crashed(1, 1, POLICY) == 1
    child.started(2, after_crash=True)
    assert child.crashed(3, 1, POLICY) == 2
    child.started(5, after_crash=True)
    # Up for 40 s (longer than stable_after): the next crash starts the backoff again.
    assert child.crashed(45, 1, POLICY) == 1


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        # Four crashes within the 60 s window with max_restarts=3: the fourth gives up.
        ([1, 5, 10, 20], [1, 2, 4, None]),
        # Spread out beyond the window: never a crash loop.
        ([1, 70, 140, 210, 280], [1, 1, 1, 1, 1]),
    ],
)
def test_crash_loop_within_the_window(times, expected):
    child = ChildState("svc", started_at=0)
    assert _crash_loop(child, [float(t) for t in times]) == expected
    assert child.gave_up is (expected[-1] is None)
    assert child.state == ("failed" if child.gave_up else "running")


def test_restart_is_due_after_the_delay_and_an_operator_retry_forgets_the_loop():
    child = ChildState("svc", started_at=0)
    _crash_loop(child, [1, 2, 3, 4])
    assert child.gave_up and child.restart_at is None
    child.retry(100)
    assert child.state == "restarting" and child.restart_at == 100 and not child.crashes
    child.started(100, after_crash=False)
    assert child.state == "running"
    assert child.crashed(101, 1, POLICY) == 1  # the backoff starts from the beginning


def test_policy_from_environment():
    policy = RestartPolicy.from_environment(
        {"MES_RESTART_LIMIT": "2", "MES_RESTART_DELAY_SECONDS": "0.2"}
    )
    assert policy.max_restarts == 2 and policy.initial_delay == 0.2
    assert policy.max_delay == RestartPolicy.max_delay
