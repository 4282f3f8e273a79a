"""`./mes up` supervises like a process manager (issue 15 item 3): kill -9 of one service
restarts it on its own port while everything else keeps serving; a read-model service
being down never stops starts and completions; a crash loop leaves only that service
stopped, with a clear message, until `./mes restart`. These run in services mode (one
process per service); in single mode (the default) the one process is what crashes and is
restarted (the last test)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from mes_cli.demo import KST, Api, step_bodies
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually

from .test_launcher import ROOT, _mes, _processes_using


@contextmanager
def _supervised_stack(mode: str):
    data_dir = Path(tempfile.mkdtemp(prefix=f"mes-supervisor-{mode}-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "MES_DATA_DIR": str(data_dir),
            "MES_HTTP_PORT": str(port),
            "MES_ROOT": str(ROOT),
            "MES_RESTART_DELAY_SECONDS": "0.5",
            "MES_RESTART_LIMIT": "2",  # the third crash within the window is a crash loop
            "MES_RESTART_WINDOW_SECONDS": "600",
            "MES_MODE": mode,
        }
    )
    up = _mes("up", "--detach", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        yield data_dir, env, f"http://127.0.0.1:{port}"
    finally:
        down = _mes("down", env=env)
        assert down.returncode == 0, down.stdout + down.stderr
        assert _processes_using(data_dir) == []
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def supervised():
    with _supervised_stack("services") as running:
        yield running


def _state(data_dir: Path) -> dict:
    return json.loads((data_dir / "run" / "stack.json").read_text())


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _kill(data_dir: Path, name: str) -> dict:
    """kill -9 one service; returns its entry in the state file before the kill."""
    before = _state(data_dir)["services"][name]
    os.kill(before["pid"], signal.SIGKILL)
    return before


def _back(data_dir: Path, name: str, before: dict) -> dict:
    def restarted() -> dict | None:
        now = _state(data_dir)["services"][name]
        fresh = now["pid"] != before["pid"] and now["state"] == "running"
        return now if fresh and _ready(now["port"]) else None

    return eventually(restarted, timeout=60, what=f"{name} restarted")


class GatewayWatch:
    """Polls the gateway's /health in the background; counts answers that were not 200."""

    def __init__(self, url: str) -> None:
        self.url, self.failures, self.polls = url, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=2) as client:
            while not self._stop.is_set():
                try:
                    ok = client.get(self.url + "/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.polls += 1
                self.failures += not ok
                time.sleep(0.1)

    def __enter__(self) -> GatewayWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


def test_a_killed_service_comes_back_on_its_port_and_the_rest_keeps_serving(supervised):
    data_dir, env, url = supervised
    with GatewayWatch(url) as watch:
        before = _kill(data_dir, "process-service")
        after = _back(data_dir, "process-service", before)
    assert after["port"] == before["port"]
    assert after["restarts"] == 1
    assert watch.polls > 5 and watch.failures == 0, "the gateway must keep answering"
    others = _state(data_dir)["services"]
    assert all(s["restarts"] == 0 for n, s in others.items() if n != "process-service")

    status = _mes("status", env=env)
    assert status.returncode == 0, status.stdout
    line = next(ln for ln in status.stdout.splitlines() if "process-service" in ln)
    assert "restarts 1" in line and line.endswith("ready")
    log = (data_dir / "logs" / "supervisor.log").read_text()
    assert "process-service exited (code -9); restarting" in log


def test_starts_and_completions_go_on_while_the_trace_service_is_down(supervised):
    data_dir, _env, url = supervised
    manager, worker = Api(url), Api(url)
    manager.login("manager", "demo-manager-1234")
    worker.login("w001", "demo-worker-1234")
    lot = manager.call(
        "POST", "/api/v1/lots", json={"product_model": "WF", "target_quantity": 2, "shift": "D"}
    )["lot_number"]
    eventually(
        lambda: (
            worker.http.get(
                f"/api/v1/process/lots/{lot}", headers={"Authorization": f"Bearer {worker.token}"}
            ).status_code
            == 200
        ),
        what="process-service knows the LOT",
    )
    # While trace-service (a read model) is down and restarting, the line goes on.
    before = _kill(data_dir, "trace-service")
    start, complete = step_bodies(lot, 1, datetime.now(KST))
    started = worker.call("POST", "/api/v1/process/start", json=start)
    done = worker.call("POST", "/api/v1/process/complete", json=complete)
    assert started["work_order_id"] and done["result"] == "PASS"

    _back(data_dir, "trace-service", before)

    def proc_001_in_trace() -> dict | None:
        trace = manager.call("GET", f"/api/v1/trace/lots/{lot}", ok=(200, 404))
        step = next(
            (p for p in (trace or {}).get("processes", []) if p["process_id"] == "PROC-001"), None
        )
        return step if step and step["status"] == "COMPLETED" else None

    step = eventually(proc_001_in_trace, timeout=30, what="the trace caught up after the restart")
    assert step["result"] == "PASS"
    assert step["attempts"][0]["work_order_id"] == started["work_order_id"]


def test_a_crash_loop_leaves_only_that_service_stopped_until_restarted(supervised):
    data_dir, env, url = supervised
    for _ in range(2):  # two crashes: restarted each time (MES_RESTART_LIMIT=2)
        _back(data_dir, "lot-service", _kill(data_dir, "lot-service"))
    _kill(data_dir, "lot-service")  # the third: a crash loop
    failed = eventually(
        lambda: _state(data_dir)["services"]["lot-service"]["state"] == "failed",
        timeout=30,
        what="the supervisor gives up on lot-service",
    )
    assert failed
    log = (data_dir / "logs" / "supervisor.log").read_text()
    assert "lot-service keeps crashing" in log and "./mes restart lot-service" in log
    assert httpx.get(url + "/health", timeout=5).status_code == 200
    assert all(
        _ready(s["port"]) for n, s in _state(data_dir)["services"].items() if n != "lot-service"
    )
    status = _mes("status", env=env)
    assert status.returncode == 1 and "failed" in status.stdout

    restart = _mes("restart", "lot-service", env=env)
    assert restart.returncode == 0, restart.stdout + restart.stderr
    back = eventually(
        lambda: (
            (s := _state(data_dir)["services"]["lot-service"])["state"] == "running"
            and _ready(s["port"])
            and s
        ),
        timeout=60,
        what="lot-service runs again after ./mes restart",
    )
    assert back["restarts"] == 2  # the operator's restart is not a crash
    status = _mes("status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr


def test_the_embedded_data_stores_are_restarted_too(supervised):
    data_dir, env, url = supervised
    state = _state(data_dir)
    os.kill(state["redis_pid"], signal.SIGKILL)
    postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)

    def recovered() -> dict | None:
        now = _state(data_dir)
        stores_back = all(
            now[s]["state"] == "running" and now[s]["restarts"] == 1 for s in ("redis", "postgres")
        )
        services_ready = all(_ready(s["port"]) for s in now["services"].values())
        return now if stores_back and services_ready else None

    now = eventually(recovered, timeout=90, what="Redis and PostgreSQL restarted, services ready")
    assert now["redis_pid"] != state["redis_pid"]
    admin = Api(url)
    admin.login("admin", "demo-admin-1234")  # the database answers again
    status = _mes("status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr


def test_in_single_mode_the_one_process_is_restarted_on_its_ports_with_nothing_lost():
    with _supervised_stack("single") as (data_dir, env, url):
        manager = Api(url)
        manager.login("manager", "demo-manager-1234")
        lot = manager.call(
            "POST", "/api/v1/lots", json={"product_model": "WF", "target_quantity": 2, "shift": "D"}
        )["lot_number"]
        before = _state(data_dir)
        pids = {s["pid"] for s in before["services"].values()}
        assert len(pids) == 1 and before["mode"] == "single"  # one process serves them all
        os.kill(pids.pop(), signal.SIGKILL)

        def restarted() -> dict | None:
            now = _state(data_dir)
            services = now["services"].values()
            fresh = all(s["pid"] != before["single"]["pid"] for s in services)
            return now if fresh and all(_ready(s["port"]) for s in services) else None

        after = eventually(restarted, timeout=60, what="the single process restarted")
        assert {n: s["port"] for n, s in after["services"].items()} == {
            n: s["port"] for n, s in before["services"].items()
        }
        assert after["single"]["restarts"] == 1
        log = (data_dir / "logs" / "supervisor.log").read_text()
        assert "mes exited (code -9); restarting" in log

        worker = Api(url)
        worker.login("w001", "demo-worker-1234")
        start, complete = step_bodies(lot, 1, datetime.now(KST))
        assert worker.call("POST", "/api/v1/process/start", json=start)["work_order_id"]
        assert worker.call("POST", "/api/v1/process/complete", json=complete)["result"] == "PASS"
        status = _mes("status", env=env)
        assert status.returncode == 0 and "mode single" in status.stdout, status.stdout
        # A service's name restarts the process that serves it.
        restart = _mes("restart", "trace-service", env=env)
        assert restart.returncode == 0 and "mes: restart requested" in restart.stdout
