"""Pure parts: range parsing, and which storage the environment selects."""

from __future__ import annotations

import pytest
from firmware_service.ranges import (
    ByteRange,
    UnsatisfiableRangeError,
    if_range_allows,
    none_match,
    parse_range,
)
from firmware_service.settings import FirmwareSettings
from firmware_service.storage import LocalDiskStorage, S3Storage, storage_from_settings
from firmware_service.storage.s3 import endpoint_of

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("BYTES = 5-5", ByteRange(5, 5)),
        ("bytes=0-1,3-4", None),  # several ranges: ignored, whole file
        ("bytes=5-1", None),  # invalid: ignored
        ("bytes=a-b", None),
        ("lines=0-9", None),
        ("bytes=" + "9" * 25 + "-", None),  # absurd numbers are not even parsed
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0)]
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(UnsatisfiableRangeError):
        parse_range(header, size)


def test_validators() -> None:
    etag = '"abc"'
    assert ByteRange(10, 19).content_range(100) == "bytes 10-19/100"
    assert if_range_allows(None, etag) and if_range_allows(' "abc" ', etag)
    assert not if_range_allows('W/"abc"', etag)  # If-Range needs a strong match
    assert not if_range_allows("Wed, 21 Oct 2015 07:28:00 GMT", etag)
    assert none_match('"x", W/"abc"', etag) and none_match("*", etag)
    assert not none_match('"x"', etag) and not none_match(None, etag)


def test_environment_selects_the_storage(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("MES_DATA_DIR", str(tmp_path))
    local = storage_from_settings(FirmwareSettings())
    assert isinstance(local, LocalDiskStorage) and local.root == (tmp_path / "firmware").resolve()
    monkeypatch.setenv("MES_FIRMWARE_STORAGE", "s3")
    with pytest.raises(RuntimeError, match="MES_S3_ENDPOINT"):
        storage_from_settings(FirmwareSettings())
    monkeypatch.setenv("MES_S3_ENDPOINT", "https://s3.example.internal:9000")
    monkeypatch.setenv("MES_S3_BUCKET", "line-1-firmware")
    monkeypatch.setenv("MES_S3_PREFIX", "fw/")
    s3 = storage_from_settings(FirmwareSettings())
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.name) == ("line-1-firmware", "fw/", "s3")
    assert endpoint_of("http://minio:9000", True) == ("minio:9000", False)
    assert endpoint_of("https://s3.amazonaws.com", False) == ("s3.amazonaws.com", True)
    assert endpoint_of("minio:9000", False) == ("minio:9000", False)


def test_local_keys_cannot_leave_the_directory(tmp_path) -> None:
    storage = LocalDiskStorage(tmp_path / "fw")
    assert storage.path_of("v1.2.3/a.bin") == (tmp_path / "fw" / "v1.2.3" / "a.bin").resolve()
    for bad in ("../x", "v1.2.3/../../x", "/etc/passwd"):
        with pytest.raises(ValueError, match="escapes"):
            storage.path_of(bad)
