"""`./mes test`'s parallel workers: how many, and when the caller's own choice wins."""

from __future__ import annotations

import pytest
from mes_cli import test_workers

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("cpus", "configured", "expected"),
    [(1, None, 1), (2, None, 2), (16, None, 4), (None, None, 1), (2, "1", 1), (2, "3", 3)],
)
def test_workers_follow_the_cores_unless_configured(
    cpus: int | None, configured: str | None, expected: int
) -> None:
    assert test_workers.count(cpus, configured) == expected


def test_a_configured_count_must_be_a_number() -> None:
    with pytest.raises(SystemExit, match="MES_TEST_WORKERS"):
        test_workers.count(2, "two")


@pytest.mark.parametrize(
    ("args", "chosen"),
    [
        ([], False),
        (["-x", "--maxfail=2"], False),
        (["-n", "3"], True),
        (["-n3"], True),
        (["-nauto"], True),
        (["--numprocesses=2"], True),
        (["-p", "no:xdist"], True),
        (["-pno:xdist"], True),
        (["--no-header"], False),
    ],
)
def test_the_callers_own_choice_wins(args: list[str], chosen: bool) -> None:
    assert test_workers.chose_themselves(args) is chosen


def test_one_worker_means_no_xdist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(test_workers.ENV, "1")
    assert test_workers.options([]) == []
    monkeypatch.setenv(test_workers.ENV, "2")
    assert test_workers.options([]) == ["-n", "2", "--dist", "loadfile"]
    assert test_workers.options(["-n", "0"]) == []
