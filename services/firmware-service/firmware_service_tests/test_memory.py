"""A 50 MiB binary is served with bounded memory: the service runs as its own process
(as in production) and its RSS is sampled with psutil while the whole file streams out."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from firmware_service.app import build_app
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import create_database, migrate_service, serve_app

from .conftest import firmware_settings, next_version, payload, redis_db_url, s3_env

MIB = 1024 * 1024
SIZE = 50 * MIB
LIMIT = 16 * MIB  # well below the file size: nothing holds the file


@contextlib.contextmanager
def service_process(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """firmware-service as its own uvicorn process, configured by the environment only."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "firmware_service.app:build_app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_ready(url: str, proc: subprocess.Popen, log: Path) -> psutil.Process:
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, log.read_text()[-2000:]
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return psutil.Process(proc.pid)
        assert time.monotonic() < deadline, "firmware-service did not become ready"
        time.sleep(0.1)


def _download(url: str, headers: dict[str, str], result: dict[str, object]) -> None:
    md5 = hashlib.md5()
    with httpx.stream("GET", url, headers=headers, timeout=120) as r:
        result["status"] = r.status_code
        for chunk in r.iter_raw(256 * 1024):
            md5.update(chunk)
    result["md5"] = md5.hexdigest()


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_50_mib_download_with_bounded_memory(
    kind, request, pg_url, redis_url, jwt_keys, tmp_path, capsys
) -> None:
    endpoint = request.getfixturevalue("s3_endpoint") if kind == "s3" else None
    db_url = asyncio.run(create_database(pg_url, "fwmem"))
    migrate_service("firmware_service", db_url)
    events = redis_db_url(redis_url)
    settings = firmware_settings(kind, db_url, events, jwt_keys.public_pem, tmp_path, endpoint)
    headers = jwt_keys.headers("worker", "W001")
    version, data = next_version(), payload(SIZE, seed=99)
    env = {
        "DATABASE_URL": db_url,
        "REDIS_URL": events,
        "MES_JWT_PUBLIC_KEY": jwt_keys.public_pem,
        "MES_LOG_LEVEL": "WARNING",
        "MES_FIRMWARE_DIR": str(settings.firmware_path),
        **(s3_env(endpoint, settings.s3_bucket) if endpoint else {}),
    }
    log = tmp_path / "service.log"
    # The measured process boots while the binary is uploaded through another instance.
    with service_process(env, log) as (url, proc):
        with serve_app(build_app(settings)) as upload_url:
            r = httpx.post(
                upload_url + "/api/v1/firmware",
                headers=jwt_keys.headers(),
                data={"version": version, "target_mcu": "STM32F103"},
                files={"file": ("fw.bin", data, "application/octet-stream")},
                timeout=120,
            )
            assert r.status_code == 201, r.text
            # A station downloads released firmware only.
            released = httpx.post(
                upload_url + f"/api/v1/firmware/{version}/release", headers=jwt_keys.headers()
            )
            assert released.status_code == 200, released.text
        expected_md5 = hashlib.md5(data).hexdigest()
        del data
        service = wait_ready(url, proc, log)
        path = f"{url}/api/v1/firmware/download/{version}"
        for warm in ("bytes=0-1048575", f"bytes={SIZE - MIB}-"):  # warm every code path
            assert httpx.get(path, headers={**headers, "Range": warm}).status_code == 206
        baseline = service.memory_info().rss
        peak, result = baseline, {}
        worker = threading.Thread(target=_download, args=(path, headers, result))
        worker.start()
        while worker.is_alive():
            peak = max(peak, service.memory_info().rss)
            time.sleep(0.002)
        worker.join()
    assert result == {"status": 200, "md5": expected_md5}
    increase = peak - baseline
    with capsys.disabled():
        print(
            f"\n[{kind}] {SIZE / MIB:.0f} MiB download: service RSS {baseline / MIB:.1f} MiB "
            f"before, peak {peak / MIB:.1f} MiB, increase {increase / MIB:.2f} MiB"
        )
    assert increase < LIMIT, f"RSS grew by {increase / MIB:.1f} MiB"
