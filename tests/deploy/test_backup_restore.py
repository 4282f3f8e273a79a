"""`./mes backup` / `./mes restore` on a stack of its own: a LOT's full trace, every row of
every MES schema and the firmware binaries are identical after the database is dropped,
the firmware directory deleted, and the latest backup (an incremental on top of a full)
restored; the restarted system serves the same trace and the same firmware bytes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import redis
from firmware_service.app import build_app as build_firmware_app
from firmware_service.settings import FirmwareSettings
from gateway.app import build_app as build_gateway_app
from gateway.settings import GatewaySettings
from gateway.subscriptions import SUBSCRIPTIONS as GATEWAY_SUBSCRIPTIONS
from mes_cli.backup import (
    MANIFEST,
    BackupError,
    PgTarget,
    find_backup,
    list_backups,
    restore_backup,
)
from mes_cli.demo import DEMO_FIRMWARE_VERSION, process_data_for
from mes_cli.pytest_plugin import eventually, serve_app, streams_consumed
from mes_cli.stack import Stack
from mes_contracts.routing import step_for
from trace_service.app import TraceSettings
from trace_service.app import build_app as build_trace_app

from .conftest import REPO, Api

KST = ZoneInfo("Asia/Seoul")
SPRING, BUSBAR = "SPRING-BACKUP-0001", "BUSBAR-BACKUP-0001"


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _run_process(worker: Api, lot: str, process_id: str, data: dict | None = None) -> dict:
    at = datetime.now(KST).replace(microsecond=0)
    start = {
        "lot_number": lot,
        "process_id": process_id,
        "process_name": step_for(process_id).name_ko,
        "worker_id": "W001",
        "start_time": at.isoformat(),
    }
    r = worker.post("/api/v1/process/start", json=start)
    assert r.status_code == 200, r.text
    done = {
        **start,
        "complete_time": (at + timedelta(minutes=5)).isoformat(),
        "process_data": process_data_for(process_id, lot, at) if data is None else data,
    }
    r = worker.post("/api/v1/process/complete", json=done)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _settled_rows(url: str, redis_url: str) -> dict[str, list] | None:
    """The rows, once every firmware download is recorded finished, every event published
    and consumed, and nothing changes for half a second; None before."""
    if not asyncio.run(_quiet(url)) or not streams_consumed(redis_url):
        return None
    first = asyncio.run(_rows(url))
    if any('"completed":false' in row for row in first.get('"firmware"."firmware_downloads"', [])):
        return None
    time.sleep(0.5)
    second = asyncio.run(_rows(url))
    return second if second == first else None


async def _rows(url: str) -> dict[str, list]:
    """Every row of every table of every MES schema, in a stable order (outboxes aside: the
    relay may mark a row published after the dump; a restored unpublished row is sent
    again and the consumers' inboxes drop it)."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (SELECT table_schema FROM information_schema.tables "
            "  WHERE table_name = 'alembic_version') "
            "AND table_type = 'BASE TABLE' AND table_name <> 'outbox' ORDER BY 1, 2"
        )
        out = {}
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            rows = await conn.fetch(f"SELECT row_to_json(x)::text AS r FROM {name} AS x")
            out[name] = sorted(r["r"] for r in rows)
        return out
    finally:
        await conn.close()


async def _wipe_database(url: str) -> None:
    base, _, query = url.partition("?")
    server, name = base.rsplit("/", 1)
    admin = await asyncpg.connect(_dsn(f"{server}/postgres" + (f"?{query}" if query else "")))
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def _trace(api: Api, lot: str) -> dict:
    paths = [
        f"/api/v1/trace/lots/{lot}",
        f"/api/v1/trace/lots/{lot}/events",
        f"/api/v1/trace/serials/{lot}-0001",
        f"/api/v1/trace/serials/{lot}-0005",
        f"/api/v1/trace/components/{SPRING}",
        f"/api/v1/trace/components/{BUSBAR}",
    ]
    out = {}
    for path in paths:
        r = api.get(path)
        assert r.status_code == 200, f"{path}: {r.text}"
        out[path] = r.json()["data"]
    return out


def _mes(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mes_cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def traced_lot(ops_stack: Stack, ops_manager: Api, ops_worker: Api, ops_firmware) -> str:
    """A LOT through all eight processes, with component LOTs and a FAIL + rework."""
    r = ops_manager.post(
        "/api/v1/lots", json={"product_model": "WF", "target_quantity": 5, "shift": "D"}
    )
    assert r.status_code == 201, r.text
    lot = r.json()["data"]["lot_number"]
    eventually(lambda: ops_worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
    _run_process(ops_worker, lot, "PROC-001")
    _run_process(ops_worker, lot, "PROC-002", {"sma_spring_lot": SPRING, "busbar_lot": BUSBAR})
    failing = {
        "temp_sensor": {
            "measured_temp": 62.4,
            "target_temp": 60.0,
            "tolerance": 1.0,
            "result": "FAIL",
        },
        "tof_sensor": {"i2c_communication": True, "result": "PASS"},
        "overall_result": "FAIL",
    }
    failed = _run_process(ops_worker, lot, "PROC-003", failing)
    assert failed["result"] == "FAIL"
    # The FAIL held the LOT (ADR 0023): its NCR's disposition lets PROC-003 run again.
    r = ops_manager.post(
        f"/api/v1/ncr/{failed['ncr_number']}/disposition", json={"disposition": "REWORK"}
    )
    assert r.status_code == 200, r.text
    for step in range(3, 9):
        _run_process(ops_worker, lot, f"PROC-{step:03d}")

    def done() -> bool:
        r = ops_manager.get(f"/api/v1/trace/lots/{lot}")
        data = r.json().get("data") or {}
        return (
            r.status_code == 200
            and data.get("status") == "COMPLETED"
            and data.get("serials", {}).get("by_status") == {"PASSED": 5}
        )

    eventually(done, timeout=30, what="the LOT's trace to complete")
    return lot


def _anchored_tip(admin: Api) -> int:
    """The audit chain's newest row, once it is intact and anchored."""

    def anchored() -> int | None:
        data = admin.get("/api/v1/audit/verify").json()["data"]
        tip, anchor = data["tip"], data["anchor"]
        return tip["seq"] if data["valid"] and anchor and anchor["seq"] == tip["seq"] else None

    return eventually(anchored, timeout=30, what="the audit chain anchored")


def _audited_everything(stack: Stack) -> bool:
    """The gateway's group has applied every entry of the streams it audits."""
    client = redis.Redis.from_url(stack.redis_url or "")
    try:
        present = [s for s in GATEWAY_SUBSCRIPTIONS.streams if client.xlen(s)]
    finally:
        client.close()
    return streams_consumed(stack.redis_url or "", present, "gateway")


async def _quiet(url: str) -> bool:
    """Every outbox row published (so every event is out and, below, applied)."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        schemas = await conn.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
        )
        for s in schemas:
            waiting = await conn.fetchval(
                f'SELECT count(*) FROM "{s["table_schema"]}".outbox WHERE published_at IS NULL'
            )
            if waiting:
                return False
        return True
    finally:
        await conn.close()


def test_full_and_incremental_backup_restore_after_a_wipe(
    ops_stack: Stack, ops_manager: Api, traced_lot: str, tmp_path: Path, jwt_keys
):
    lot = traced_lot
    url = ops_stack.database_url or ""
    firmware_dir = ops_stack.config.data_dir / "firmware"
    eventually(lambda: asyncio.run(_quiet(url)), what="every outbox row published")
    trace_before = _trace(ops_manager, lot)
    assert [p["process_id"] for p in trace_before[f"/api/v1/trace/lots/{lot}"]["processes"]] == [
        f"PROC-00{i}" for i in range(1, 9)
    ]
    download = ops_manager.get(f"/api/v1/firmware/download/{DEMO_FIRMWARE_VERSION}")
    assert download.status_code == 200, download.text
    firmware_md5 = hashlib.md5(download.content).hexdigest()
    files_before = {
        p.relative_to(firmware_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in firmware_dir.rglob("*")
        if p.is_file()
    }
    assert files_before, "the released firmware is on disk"
    # The download is logged when its last byte has gone (after the answer), and its event
    # is consumed after that: compare against the database once it has settled.
    rows_before = eventually(
        lambda: _settled_rows(url, ops_stack.redis_url or ""),
        timeout=60,
        what="downloads recorded and every event consumed",
    )
    assert any(rows_before[t] for t in rows_before if t.startswith('"trace"'))

    # The command line, as cron or the CronJob runs it, while the services run.
    env = {
        **os.environ,
        "MES_ROOT": str(REPO),
        "DATABASE_URL": url,
        "MES_DATA_DIR": str(ops_stack.config.data_dir),
        "MES_FIRMWARE_STORAGE": "local",
        "MES_BACKUP_DIR": str(tmp_path / "backups"),
    }
    full = _mes(env, "backup", "--kind", "full")
    assert full.returncode == 0, full.stderr
    incremental = _mes(env, "backup", "--kind", "incremental")
    assert incremental.returncode == 0, incremental.stderr
    assert [b["kind"] for b in list_backups(tmp_path / "backups")] == ["full", "incremental"]

    # Audited after the backup, and anchored outside the database: the restore takes these
    # rows back, the audit anchor (Redis, the file) does not.
    admin = Api(ops_stack.gateway_url, "admin", "demo-admin-1234")
    backed_up = _anchored_tip(admin)
    username = f"after-backup-{os.getpid()}"
    created = admin.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": "a-long-password-1",
            "role": "viewer",
            "display_name": "After the backup",
        },
    )
    assert created.status_code == 201, created.text
    lost = eventually(
        lambda: (tip := _anchored_tip(admin)) > backed_up and tip,
        timeout=30,
        what="the new audit row anchored",
    )

    latest = find_backup(tmp_path / "backups", "latest")
    manifest = json.loads((latest / MANIFEST).read_text())
    assert manifest["kind"] == "incremental" and manifest["base"].endswith("-full")
    assert set(manifest["database"]["schemas"]) >= {"lot", "process", "trace", "gateway"}
    # Incremental: the binaries stay in the full backup; this one holds none.
    assert {f["stored_in"] for f in manifest["firmware"]["files"]} == {manifest["base"]}
    assert not (latest / "firmware").exists()

    # Disaster: every service stopped, the database dropped, the firmware directory gone.
    # The gateway goes last, once it has audited every event the others published (label
    # jobs keep reporting failures to reach the demo printer): its anchor then covers every
    # row the restore takes back, and no event is left for the restored gateway to append.
    for name in [n for n in ops_stack.services if n != "gateway"]:
        ops_stack.stop_service(name)
    eventually(lambda: _audited_everything(ops_stack), timeout=60, what="every event audited")
    lost = _anchored_tip(admin)
    ops_stack.stop_service("gateway")
    asyncio.run(_wipe_database(url))
    shutil.rmtree(firmware_dir)
    assert asyncio.run(_rows(url)) == {}

    restored = _mes(env, "restore", "latest")
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout

    assert asyncio.run(_rows(url)) == rows_before
    files_after = {
        p.relative_to(firmware_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in firmware_dir.rglob("*")
        if p.is_file()
    }
    assert files_after == files_before

    # A second restore over live schemas is refused without --clean, and works with it.
    again = _mes(env, "restore", "latest")
    assert again.returncode == 1 and "--clean" in again.stderr
    clean = _mes(env, "restore", "latest", "--clean")
    assert clean.returncode == 0, clean.stderr
    assert asyncio.run(_rows(url)) == rows_before

    # The services come back on the restored data and tell the same story (served here
    # in-process: the rest of the stack stays down until the session ends).
    settings = {
        "database_url": url,
        "redis_url": ops_stack.redis_url,
        "jwt_public_key": jwt_keys.public_pem,
        "env": "dev",
    }
    keys = ops_stack.config.data_dir / "keys"
    gateway_app = build_gateway_app(
        GatewaySettings(
            **{**settings, "jwt_public_key": (keys / "jwt_ed25519.pub").read_text()},
            jwt_private_key_file=keys / "jwt_ed25519.pem",
            audit_anchor_file=ops_stack.config.data_dir / "audit" / "anchor.json",
            dashboard_dir="",
            # As the stack's own gateway: the counts in this Redis are the whole module's
            # traffic from 127.0.0.1 in the last minute, not this test's.
            rate_limit_per_minute=1_000_000,
            login_rate_limit_per_minute=100_000,
        )
    )
    trace_app = build_trace_app(TraceSettings(**settings))
    firmware_app = build_firmware_app(
        FirmwareSettings(**settings, data_dir=ops_stack.config.data_dir)
    )
    # The audit chain first (the firmware download below is a new audited fact): intact as
    # restored, but shorter than its anchor (the rows audited after the backup are gone):
    # reported as a cut tail until an admin acknowledges the restore.
    with serve_app(gateway_app) as gateway_url:
        admin = Api(gateway_url, "admin", "demo-admin-1234")
        data = admin.get("/api/v1/audit/verify").json()["data"]
        assert data["valid"] is False and data["reason"] == "cut tail", data
        assert data["rows_checked"] == backed_up
        assert (data["tail"]["missing_from_seq"], data["tail"]["missing_to_seq"]) == (
            backed_up + 1,
            lost,
        )
        r = admin.post("/api/v1/audit/anchor", json={"reason": f"restored {manifest['name']}"})
        assert r.status_code == 200, r.text
        data = admin.get("/api/v1/audit/verify").json()["data"]
        assert data["valid"] is True and data["anchor"]["kind"] == "reanchor", data

    headers = jwt_keys.headers(role="admin")
    with serve_app(trace_app) as trace_url, serve_app(firmware_app) as firmware_url:
        trace = Api.with_headers(trace_url, headers)
        assert _trace(trace, lot) == trace_before
        firmware = Api.with_headers(firmware_url, headers)
        download = firmware.get(f"/api/v1/firmware/download/{DEMO_FIRMWARE_VERSION}")
        assert download.status_code == 200
        assert hashlib.md5(download.content).hexdigest() == firmware_md5


def test_a_damaged_backup_is_refused_before_anything_changes(ops_stack: Stack, tmp_path: Path):
    """Checksums are verified first: a corrupted dump leaves the database untouched."""
    url = ops_stack.database_url or ""
    env = {
        **os.environ,
        "MES_ROOT": str(REPO),
        "DATABASE_URL": url,
        "MES_DATA_DIR": str(ops_stack.config.data_dir),
        "MES_FIRMWARE_STORAGE": "local",
    }
    root = tmp_path / "backups"
    made = _mes(env, "backup", "--to", str(root))
    assert made.returncode == 0, made.stderr
    backup = find_backup(root, "latest")
    with open(backup / "database.dump", "r+b") as dump:
        dump.seek(200)
        dump.write(b"\x00" * 16)
    rows_before = asyncio.run(_rows(url))
    from firmware_service.storage import LocalDiskStorage

    with pytest.raises(BackupError, match="checksum"):
        restore_backup(
            backup,
            target=PgTarget.from_url(url),
            store=LocalDiskStorage(ops_stack.config.data_dir / "firmware"),
            clean=True,
        )
    assert asyncio.run(_rows(url)) == rows_before
