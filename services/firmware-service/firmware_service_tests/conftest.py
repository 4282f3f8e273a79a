"""firmware-service on real servers: the session's PostgreSQL and Redis, local disk or a
real S3-protocol server (moto's ThreadedMotoServer on a loopback port, reached through
the `minio` client), the app served over real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from firmware_service.app import build_app
from firmware_service.settings import FirmwareSettings
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import create_database, migrate_service, serve_app
from minio import Minio
from moto.server import ThreadedMotoServer

REDIS_DB = 6
_versions = itertools.count(1)
_major = random.randint(100, 899)


def next_version() -> str:
    """A version no other test (or earlier run on the same servers) uses."""
    return f"v{_major}.{next(_versions)}.{random.randint(0, 99999)}"


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, incompressible-looking bytes."""
    block = hashlib.sha256(f"fw-{seed}".encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def redis_db_url(url: str, index: int = REDIS_DB) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """How an operator points the service at S3: environment only."""
    return {
        "MES_FIRMWARE_STORAGE": "s3",
        "MES_S3_ENDPOINT": endpoint,
        "MES_S3_ACCESS_KEY": "test-access",
        "MES_S3_SECRET_KEY": "test-secret-key",
        "MES_S3_BUCKET": bucket,
        "MES_S3_REGION": "us-east-1",
        "MES_S3_SECURE": "false",
    }


@dataclass
class Firmware:
    """One running firmware-service and a way to talk to it as any role."""

    url: str
    kind: str
    settings: FirmwareSettings
    headers: Callable[..., dict[str, str]]
    redis_url: str
    minio: Minio | None = None
    root: Path | None = None

    def client(self, role: str = "admin", **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(role, **kw), timeout=60)

    def upload(
        self, version: str, data: bytes, *, mcu: str = "STM32F103", **form: str
    ) -> httpx.Response:
        with self.client() as c:
            return c.post(
                "/api/v1/firmware",
                data={"version": version, "target_mcu": mcu, "release_notes": "test", **form},
                files={"file": ("upload.bin", data, "application/octet-stream")},
            )

    def stored_keys(self, version: str) -> list[str]:
        """Objects the storage holds for `version` (whatever their names)."""
        if self.minio is not None:
            prefix = f"{self.settings.s3_prefix}{version}/"
            found = self.minio.list_objects(self.settings.s3_bucket, prefix=prefix)
            return [o.object_name for o in found]
        assert self.root is not None
        folder = self.root / version
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def events(self, stream: str, version: str) -> list[dict[str, Any]]:
        client = redis.Redis.from_url(self.redis_url)
        try:
            entries = client.xrange(stream)
        finally:
            client.close()
        found = [json.loads(fields[b"__data__"]) for _id, fields in entries]
        return [e for e in found if e["subject"] == version]


def firmware_settings(
    kind: str, db_url: str, redis_url: str, public_pem: str, tmp: Path, endpoint: str | None
) -> FirmwareSettings:
    env = s3_env(endpoint or "", f"fw-{uuid.uuid4().hex[:12]}") if kind == "s3" else {}
    storage = {k.removeprefix("MES_").lower(): v for k, v in env.items()}
    return FirmwareSettings(
        database_url=db_url,
        redis_url=redis_url,
        jwt_public_key=public_pem,
        firmware_dir=tmp / "firmware",
        log_json=False,
        log_level="WARNING",
        outbox_poll_seconds=0.2,
        **storage,
    )


@pytest.fixture(scope="module", params=["local", "s3"])
def fw(request, pg_url, redis_url, jwt_keys, tmp_path_factory) -> Iterator[Firmware]:
    kind = request.param
    endpoint = request.getfixturevalue("s3_endpoint") if kind == "s3" else None
    yield from _running(kind, pg_url, redis_url, jwt_keys, tmp_path_factory, endpoint)


@pytest.fixture(scope="module")
def fw_local(pg_url, redis_url, jwt_keys, tmp_path_factory) -> Iterator[Firmware]:
    yield from _running("local", pg_url, redis_url, jwt_keys, tmp_path_factory, None)


def _running(kind, pg_url, redis_url, jwt_keys, tmp_path_factory, endpoint) -> Iterator[Firmware]:
    db_url = asyncio.run(create_database(pg_url, "fw"))
    migrate_service("firmware_service", db_url)
    tmp = tmp_path_factory.mktemp(f"fw-{kind}")
    events_url = redis_db_url(redis_url)
    settings = firmware_settings(kind, db_url, events_url, jwt_keys.public_pem, tmp, endpoint)
    app = build_app(settings)
    storage = app.state.storage
    with serve_app(app) as url:
        yield Firmware(
            url=url,
            kind=kind,
            settings=settings,
            headers=jwt_keys.headers,
            redis_url=events_url,
            minio=getattr(storage, "client", None),
            root=settings.firmware_path if kind == "local" else None,
        )
