"""mes_cli.backup without a stack: the schedule, retention, connection handling, and the
firmware copy to and from an S3 store (a real S3-protocol server: moto's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from firmware_service.storage import LocalDiskStorage, storage_from_settings
from mes_cli.backup import MANIFEST, PgTarget, firmware_store, next_slot, prune

KST = ZoneInfo("Asia/Seoul")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KST)


@pytest.mark.parametrize(
    ("now", "slot", "kind"),
    [
        ("2025-11-10T01:00", "2025-11-10T02:00", "full"),
        ("2025-11-10T02:00", "2025-11-10T08:00", "incremental"),
        ("2025-11-10T07:59", "2025-11-10T08:00", "incremental"),
        ("2025-11-10T14:30", "2025-11-10T20:00", "incremental"),
        ("2025-11-10T21:00", "2025-11-11T02:00", "full"),
    ],
)
def test_daily_full_and_six_hourly_incremental(now: str, slot: str, kind: str):
    when, what = next_slot(at(now), KST)
    assert when == at(slot).astimezone(UTC) and what == kind


def _fake_backup(root: Path, name: str, created: datetime, kind: str, base: str | None) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    files = [{"key": "a.bin", "size": 1, "sha256": "x", "stored_in": base or name}]
    manifest = {
        "name": name,
        "kind": kind,
        "base": base,
        "created_at": created.isoformat(),
        "firmware": {"files": files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest))


def test_retention_keeps_30_days_and_the_full_backups_they_need(tmp_path: Path):
    now = datetime(2025, 12, 31, tzinfo=UTC)
    old_full = "20251120T170000Z-full"
    _fake_backup(tmp_path, "20251101T170000Z-full", now - timedelta(days=60), "full", None)
    _fake_backup(
        tmp_path,
        "20251101T230000Z-incremental",
        now - timedelta(days=59),
        "incremental",
        "20251101T170000Z-full",
    )
    _fake_backup(tmp_path, old_full, now - timedelta(days=41), "full", None)
    _fake_backup(
        tmp_path, "20251212T230000Z-incremental", now - timedelta(days=19), "incremental", old_full
    )
    _fake_backup(tmp_path, "20251230T170000Z-full", now - timedelta(days=1), "full", None)
    (tmp_path / ".20251231T000000Z-full.partial").mkdir()  # never listed, never pruned
    removed = prune(tmp_path, 30, now)
    assert sorted(p.name for p in removed) == [
        "20251101T170000Z-full",
        "20251101T230000Z-incremental",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".20251231T000000Z-full.partial",
        old_full,  # older than 30 days, but a kept incremental builds on it
        "20251212T230000Z-incremental",
        "20251230T170000Z-full",
    ]


def test_connection_urls_keep_the_password_off_the_command_line():
    t = PgTarget.from_url("postgresql+asyncpg://mes:s%40cret@db.local:5432/mes?ssl=require")
    assert t.uri == "postgresql://mes@db.local:5432/mes?sslmode=require"
    assert t.env == {"PGPASSWORD": "s@cret"}
    embedded = PgTarget.from_url("postgresql+asyncpg://postgres:@/mes_1?host=/tmp/pg data")
    assert (
        embedded.uri == "postgresql://postgres@/mes_1?host=%2Ftmp%2Fpg%20data"
        and embedded.env == {}
    )


def test_firmware_round_trip_through_s3(tmp_path: Path, monkeypatch):
    from firmware_service.settings import FirmwareSettings
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        settings = FirmwareSettings(
            firmware_storage="s3",
            s3_endpoint=f"http://{host}:{port}",
            s3_access_key="test",
            s3_secret_key="test",
            s3_bucket="fw-backup-test",
            s3_region="us-east-1",
        )
        store = storage_from_settings(settings)  # the one the service and backup.py use
        assert store.inventory() == {}  # no bucket yet
        payload = tmp_path / "in.bin"
        payload.write_bytes(b"\x7fELF" + bytes(range(256)) * 64)
        store.import_("2025/abc.bin", payload)
        assert store.inventory() == {"2025/abc.bin": payload.stat().st_size}
        digest = store.export("2025/abc.bin", tmp_path / "out" / "abc.bin")
        assert (tmp_path / "out" / "abc.bin").read_bytes() == payload.read_bytes()
        import hashlib

        assert digest == hashlib.sha256(payload.read_bytes()).hexdigest()
        # The service's own client sees the restored object under its prefix.
        objects = [
            o.object_name for o in store.client.list_objects("fw-backup-test", recursive=True)
        ]
        assert objects == [settings.s3_prefix + "2025/abc.bin"]
    finally:
        server.stop()


def test_firmware_round_trip_on_local_disk(tmp_path: Path, monkeypatch):
    """backup.py takes the firmware-service's own store: the same directory, the same
    atomic writes, uploads in flight left out, and no key outside the directory."""
    monkeypatch.delenv("MES_FIRMWARE_STORAGE", raising=False)
    monkeypatch.delenv("MES_FIRMWARE_DIR", raising=False)
    store = firmware_store(tmp_path / "data")
    assert isinstance(store, LocalDiskStorage)
    assert store.root == (tmp_path / "data" / "firmware").resolve()
    assert store.inventory() == {}  # no directory yet
    payload = tmp_path / "in.bin"
    payload.write_bytes(bytes(range(256)) * 16)
    store.import_("v1.2.3/abc.bin", payload)
    (store.root / "v1.2.3" / ".upload-xyz").write_bytes(b"half an upload")
    assert store.inventory() == {"v1.2.3/abc.bin": payload.stat().st_size}
    digest = store.export("v1.2.3/abc.bin", tmp_path / "out" / "abc.bin")
    import hashlib

    assert digest == hashlib.sha256(payload.read_bytes()).hexdigest()
    assert (tmp_path / "out" / "abc.bin").read_bytes() == payload.read_bytes()
    with pytest.raises(ValueError, match="escapes"):
        store.import_("../outside.bin", payload)
    assert not (tmp_path / "data" / "outside.bin").exists()
