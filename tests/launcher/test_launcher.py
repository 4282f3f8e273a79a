"""`./mes up --detach`, `status` and `down` as a user runs them: embedded stores, nothing
left; on the dev stack `up` starts, the first LOT's label prints (demo printer emulators),
in both modes, and the demo accounts are shown in the terminal, not only in the log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import psutil
import pytest
from gateway.users import DEMO_ACCOUNTS
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually

ROOT = Path(__file__).resolve().parents[2]


def _mes(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mes_cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _processes_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            environ = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if str(data_dir) in cmdline or environ.get("MES_DATA_DIR") == str(data_dir):
            found.append(proc)
    return found


def _first_lot_label_prints(gateway: str) -> None:
    """A dev stack from `./mes up` prints a new LOT's label on the demo LOT printer."""
    with httpx.Client(base_url=gateway, timeout=30) as client:
        r = client.post(
            "/api/v1/auth/login", json={"username": "manager", "password": "demo-manager-1234"}
        )
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['data']['access_token']}"
        r = client.post("/api/v1/lots", json={"product_model": "WF", "shift": "D"})
        assert r.status_code == 201, r.text
        lot = r.json()["data"]["lot_number"]

        def lot_label() -> dict | None:
            r = client.get("/api/v1/label/jobs", params={"lot_number": lot})
            assert r.status_code == 200, r.text
            jobs = [j for j in r.json()["data"]["items"] if j["label_type"] == "LOT"]
            return jobs[0] if jobs and jobs[0]["state"] == "sent" else None

        job = eventually(lot_label, timeout=30, what=f"LOT {lot}'s label printed")
        assert job["printer_id"] == "PRINTER-01" and job["attempts"] == 1, job
        # what the Printers page shows: both demo printers answer, ready
        for printer in ("PRINTER-01", "PRINTER-07"):
            r = client.get(f"/api/v1/printers/{printer}/status")
            assert r.status_code == 200 and r.json()["data"]["state"] == "ready", r.text


def _demo_accounts_shown(output: str) -> bool:
    return all(
        f"{acc.username:<9} {acc.password:<19} {acc.role.value}" in output for acc in DEMO_ACCOUNTS
    )


@pytest.mark.parametrize("mode", [None, "services"], ids=["defaults", "services"])
def test_up_detached_status_and_down_leave_nothing_running(mode: str | None):
    data_dir = Path(tempfile.mkdtemp(prefix="mes-launcher-"))
    port = free_port()
    drop = ("DATABASE_URL", "REDIS_URL", "MES_MODE", "MES_DEV_PRINTER_EMULATORS")
    env = {k: v for k, v in os.environ.items() if k not in drop}  # `./mes up` as it comes
    env.update({"MES_DATA_DIR": str(data_dir), "MES_HTTP_PORT": str(port), "MES_ROOT": str(ROOT)})
    # The demo printers on ports of this test's own (a developer's stack may hold 9101/9107).
    env.update(
        {
            "MES_LABEL_DEMO_PRINTER_PORT": str(free_port()),
            "MES_LABEL_DEMO_SERIAL_PRINTER_PORT": str(free_port()),
        }
    )
    try:
        up = _mes("up", "--detach", *(["--mode", mode] if mode else []), env=env)
        assert up.returncode == 0, (
            up.stdout + up.stderr + (data_dir / "logs/supervisor.log").read_text()
        )
        assert f"http://127.0.0.1:{port}" in up.stdout
        # A detached start shows the demo accounts in the terminal too (issue 17 item 9).
        assert _demo_accounts_shown(up.stdout), up.stdout
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200

        status = _mes("status", env=env)
        assert status.returncode == 0, status.stdout
        assert f"(mode {mode or 'single'}," in status.stdout
        assert status.stdout.count(" ready") == 6
        _first_lot_label_prints(f"http://127.0.0.1:{port}")

        again = _mes("up", "--detach", env=env)
        assert again.returncode == 1 and "already running" in again.stdout
        assert not _demo_accounts_shown(again.stdout)
        assert _processes_using(data_dir), "the stack's processes should be visible while it runs"
    finally:
        down = _mes("down", env=env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "nothing left running" in down.stdout
    assert _processes_using(data_dir) == []
    assert (data_dir / "postgres" / "PG_VERSION").exists(), "data survives down"
    shutil.rmtree(data_dir, ignore_errors=True)
