"""The fast tier's guards (mes_cli.unit_tier), each in a pytest of its own: `--unit` runs
only tests marked `unit` and refuses every way of starting a server; a `unit` test that asks
for a server fixture stops any run at collection."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

GUARDED = """
import socket
import subprocess

import pytest
from mes_cli.infra import EmbeddedPostgres, EmbeddedRedis
from mes_cli.pytest_plugin import serve_app
from mes_cli.unit_tier import ServerInUnitTier

unit = pytest.mark.unit


@unit
def test_listening_is_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(ServerInUnitTier):
            sock.listen()


@unit
def test_an_app_over_http_is_refused():
    async def app(scope, receive, send):
        pass

    with pytest.raises(RuntimeError, match="did not start"):
        with serve_app(app):
            pass


@unit
@pytest.mark.parametrize("argv", [["redis-server", "--port", "0"], ["/usr/lib/postgresql/16/bin/postgres"], "chromium --headless"])
def test_server_programs_are_refused(argv):
    with pytest.raises(ServerInUnitTier):
        subprocess.run(argv, shell=isinstance(argv, str))


@unit
def test_embedded_stores_are_refused(tmp_path):
    with pytest.raises(ServerInUnitTier):
        EmbeddedRedis(tmp_path).start()
    with pytest.raises(ServerInUnitTier):
        EmbeddedPostgres(tmp_path / "pg").start()


@unit
def test_other_programs_run():
    assert subprocess.run(["true"]).returncode == 0


def test_not_in_the_tier():
    pass
"""

MISFILED = """
import pytest

@pytest.mark.unit
def test_wants_a_database(pg_url):
    pass
"""


def run_pytest(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(source))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the repository's settings
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "mes_cli.pytest_plugin", "-q", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_unit_tier_runs_marked_tests_and_no_server(tmp_path: Path) -> None:
    run = run_pytest(tmp_path, GUARDED, "--unit", "-p", "no:cacheprovider")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "7 passed, 1 deselected" in run.stdout, run.stdout


def test_a_unit_test_needing_a_server_stops_the_whole_suite_too(tmp_path: Path) -> None:
    run = run_pytest(tmp_path, MISFILED, "-p", "no:cacheprovider")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "marked `unit` but needs a server" in run.stderr
    assert "test_sample.py::test_wants_a_database" in run.stderr
