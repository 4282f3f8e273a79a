"""Firmware through the whole stack: an admin releases a binary, a PROC-004 start hands out
its firmware_info, a station downloads and resumes it through the gateway, a rollback
puts the previous release back into PROC-004 starts.

The stack is shared: other tests may have released firmware before, so this test uses
versions of its own (v9.N.x) and waits for *its* events to be consumed."""

from __future__ import annotations

import hashlib
import http.client
import json
import random
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import redis
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client
from .production import KST, complete_body, dispose, new_lot, run_process, start_body


def _blob(size: int, seed: str) -> bytes:
    block = hashlib.sha256(seed.encode()).digest() * 4096  # 128 KiB
    return (block * (size // len(block) + 1))[:size]


def _entry_id(value: str) -> tuple[int, int]:
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)


def _consumed(stack: Stack, stream: str, version: str) -> bool:
    """process-service has consumed and acknowledged the event about `version`."""
    r = redis.Redis.from_url(stack.redis_url or "", decode_responses=True)
    try:
        ids = [
            entry_id
            for entry_id, fields in r.xrange(stream)
            if json.loads(fields["__data__"])["data"]["version"] == version
        ]
        if not ids:
            return False
        groups = {g["name"]: g for g in r.xinfo_groups(stream)}
        group = groups.get("process-service")
        if group is None or _entry_id(group["last-delivered-id"]) < _entry_id(ids[-1]):
            return False
        return not r.xpending_range(stream, "process-service", min=ids[-1], max=ids[-1], count=1)
    finally:
        r.close()


def _upload(admin: Client, version: str, data: bytes) -> dict[str, Any]:
    r = admin.post(
        "/api/v1/firmware",
        data={"version": version, "target_mcu": "STM32F103", "release_notes": "e2e"},
        files={"file": (f"firmware_{version}.bin", data, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    return r.json()["data"]


def _start_proc_004(worker: Client, lot: str, at: datetime) -> dict[str, Any]:
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-004", at))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_release_reaches_proc_004_downloads_resume_and_rollback_restores(
    stack: Stack, admin: Client, manager: Client, worker: Client, gateway: str
) -> None:
    minor = random.randint(1000, 999_999)
    old, new = f"v9.{minor}.0", f"v9.{minor}.1"
    old_bin, new_bin = _blob(700_000, old), _blob(3_000_000 + 7, new)
    uploaded_new = _upload(admin, new, new_bin)
    _upload(admin, old, old_bin)
    assert uploaded_new["md5_hash"] == hashlib.md5(new_bin).hexdigest()
    for version in (old, new):
        r = admin.post(f"/api/v1/firmware/{version}/release", json={"reason": "e2e"})
        assert r.status_code == 200 and r.json()["data"]["state"] == "RELEASED"
    current = admin.get("/api/v1/firmware/current").json()["data"]
    assert current["version"] == new
    eventually(lambda: _consumed(stack, "firmware.released", new))

    # A LOT through PROC-001..003, then the PROC-004 start carries the release.
    lot = new_lot(manager, worker, quantity=5)
    for step in ("PROC-001", "PROC-002", "PROC-003"):
        run_process(worker, lot, step)
    at = datetime.now(KST).replace(microsecond=0)
    info = _start_proc_004(worker, lot, at)["firmware_info"]
    assert info == {
        "version": new,
        "filename": f"firmware_{new}.bin",
        "file_size": len(new_bin),
        "md5_hash": hashlib.md5(new_bin).hexdigest(),
        "download_url": f"/api/v1/firmware/download/{new}",
    }
    assert {k: current[k] for k in info} == info

    # The station downloads through the gateway; the network drops; it resumes.
    station = {"X-Station-Id": "ST-PROC004-01"}
    part = bytearray()
    with worker.stream("GET", info["download_url"], headers=station) as r:
        assert r.status_code == 200
        assert r.headers["content-disposition"] == f'attachment; filename="{info["filename"]}"'
        etag = r.headers["etag"]
        for chunk in r.iter_bytes(64 * 1024):
            part += chunk
            if len(part) >= 1_000_000:
                break
    rest = worker.get(
        info["download_url"], headers={**station, "Range": f"bytes={len(part)}-", "If-Range": etag}
    )
    assert rest.status_code == 206, rest.text
    assert rest.headers["content-range"] == f"bytes {len(part)}-{len(new_bin) - 1}/{len(new_bin)}"
    assert hashlib.md5(bytes(part) + rest.content).hexdigest() == info["md5_hash"]

    def finished_downloads() -> list[dict] | None:
        items = admin.get("/api/v1/firmware/downloads", params={"version": new}).json()["data"]
        log = [d for d in items["items"] if d["finished_at"] and d["station_id"] == "ST-PROC004-01"]
        # The dropped download may be logged before the resumed one has finished.
        return log if any(d["status_code"] == 206 and d["completed"] for d in log) else None

    log = eventually(finished_downloads, what="the resumed download logged as completed")
    assert all(d["user_id"] == worker.user["username"] for d in log)
    assert worker.get("/api/v1/firmware/downloads").status_code == 403

    # Traversal through the gateway is refused as well.
    parts = urlsplit(gateway)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(
        "GET",
        "/api/v1/firmware/download/..%2F..%2F..%2Fetc%2Fpasswd",
        headers={"Authorization": worker.headers["Authorization"]},
    )
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    assert answer.status in (400, 404) and json.loads(body)["status"] == "error"

    # Flashing failed on the line: the release is rolled back; rework gets the old one.
    failed = complete_body(lot, "PROC-004", at, {"firmware_version": new, "upload_result": "FAIL"})
    r = worker.post("/api/v1/process/complete", json=failed)
    assert r.status_code == 200, r.text
    dispose(manager, r.json()["data"]["ncr_number"])  # the hold's NCR: rework PROC-004
    r = admin.post(f"/api/v1/firmware/{new}/rollback", json={"reason": "flash failures"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["released"]["version"] == old
    eventually(lambda: _consumed(stack, "firmware.rolled_back", old))
    again = _start_proc_004(worker, lot, datetime.now(KST).replace(microsecond=0))["firmware_info"]
    assert again["version"] == old
    assert again["md5_hash"] == hashlib.md5(old_bin).hexdigest()
    history = admin.get("/api/v1/firmware/releases", params={"version": new}).json()["data"]
    assert [h["action"] for h in history["items"]] == ["ROLLBACK", "RELEASE"]
    assert history["items"][0]["reason"] == "flash failures"


def test_only_admins_download_firmware_nobody_released(
    gateway: str, admin: Client, manager: Client, worker: Client, viewer: Client
) -> None:
    """A build uploaded but not released never reaches a station: every role but admin is
    refused by firmware-service (403 FIRMWARE_NOT_RELEASED), through the gateway."""
    version = f"v8.{random.randint(1000, 999_999)}.0"
    data = _blob(200_000, version)
    _upload(admin, version, data)
    url = f"/api/v1/firmware/download/{version}"
    station = {"X-Station-Id": "ST-PROC004-02"}
    quality = Client(gateway, "quality", "demo-quality-1234")
    try:
        for client in (manager, quality, worker, viewer):
            r = client.get(url, headers=station)
            assert r.status_code == 403, (client.user["role"], r.status_code)
            body = r.json()
            assert body["status"] == "error" and body["error_code"] == "FIRMWARE_NOT_RELEASED"
            assert body["data"] == {"version": version, "state": "UPLOADED"}
    finally:
        quality.http.close()
    got = admin.get(url, headers=station)
    assert got.status_code == 200 and got.content == data
    log = admin.get("/api/v1/firmware/downloads", params={"version": version}).json()["data"]
    assert {d["user_id"] for d in log["items"]} == {"admin"}
