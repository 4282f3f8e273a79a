"""Upload on both storages: hashes, idempotent re-upload, refusals, races."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

from mes_cli.pytest_plugin import eventually

from .conftest import Firmware, next_version, payload


def test_upload_computes_size_md5_sha256_and_publishes(fw: Firmware) -> None:
    version = next_version()
    data = payload(3 * 1024 * 1024 + 17, seed=1)  # spooled to disk, odd size
    r = fw.upload(version, data)
    assert r.status_code == 201, r.text
    body = r.json()["data"]
    assert body["file_size"] == len(data)
    assert body["md5_hash"] == hashlib.md5(data).hexdigest()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["filename"] == f"firmware_{version}.bin"
    assert body["state"] == "UPLOADED" and body["already_uploaded"] is False
    assert body["download_url"] == f"/api/v1/firmware/download/{version}"
    # The client's file name ("upload.bin") plays no part in where the bytes went.
    keys = fw.stored_keys(version)
    assert len(keys) == 1 and keys[0].endswith(".bin") and "upload" not in keys[0]
    with fw.client("viewer") as c:
        detail = c.get(f"/api/v1/firmware/{version}").json()["data"]
        listed = c.get("/api/v1/firmware").json()["data"]["items"]
    assert detail["sha256"] == body["sha256"] and detail["uploaded_by"] == "tester"
    assert any(i["version"] == version and i["state"] == "UPLOADED" for i in listed)
    [event] = eventually(lambda: fw.events("firmware.uploaded", version))
    assert event["data"]["md5_hash"] == body["md5_hash"]
    assert event["data"]["file_size"] == len(data)
    assert event["actor"]["user_id"] == "tester"


def test_same_version_twice(fw: Firmware) -> None:
    version = next_version()
    original = payload(200_000, seed=2)
    assert fw.upload(version, original).status_code == 201
    # Identical bytes for the same MCU: answered idempotently, nothing stored again.
    again = fw.upload(version, original)
    assert again.status_code == 200, again.text
    assert again.json()["data"]["already_uploaded"] is True
    # Other bytes under the same version: refused, and the stored binary is untouched.
    other = fw.upload(version, payload(200_000, seed=3))
    assert other.status_code == 409
    err = other.json()
    assert err["status"] == "error" and err["error_code"] == "FIRMWARE_VERSION_EXISTS"
    assert err["data"]["stored_sha256"] == hashlib.sha256(original).hexdigest()
    # The same bytes declared for another MCU are refused too.
    assert fw.upload(version, original, mcu="ESP32").status_code == 409
    assert len(fw.stored_keys(version)) == 1
    with fw.client() as c:
        got = c.get(f"/api/v1/firmware/download/{version}").content
    assert hashlib.md5(got).hexdigest() == hashlib.md5(original).hexdigest()
    assert len(eventually(lambda: fw.events("firmware.uploaded", version))) == 1


def test_concurrent_uploads_of_one_version_keep_exactly_one_binary(fw: Firmware) -> None:
    version = next_version()
    blobs = [payload(1_500_000, seed=10 + i) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda b: fw.upload(version, b), blobs))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 201).json()["data"]
    assert len(fw.stored_keys(version)) == 1  # losers' objects were removed
    with fw.client() as c:
        got = c.get(f"/api/v1/firmware/download/{version}").content
    assert hashlib.sha256(got).hexdigest() == winner["sha256"]


def test_checksums_sent_by_the_uploader_are_verified(fw: Firmware) -> None:
    version = next_version()
    data = payload(100_000, seed=4)
    wrong = fw.upload(version, data, md5_hash="0" * 32)
    assert wrong.status_code == 400
    assert wrong.json()["error_code"] == "CHECKSUM_MISMATCH"
    assert wrong.json()["data"]["actual"] == hashlib.md5(data).hexdigest()
    assert fw.stored_keys(version) == []
    with fw.client() as c:
        assert c.get(f"/api/v1/firmware/{version}").json()["error_code"] == "FIRMWARE_NOT_FOUND"
    right = fw.upload(
        version,
        data,
        md5_hash=hashlib.md5(data).hexdigest().upper(),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert right.status_code == 201, right.text


def test_bad_uploads_are_refused(fw: Firmware) -> None:
    assert fw.upload("1.2.3", b"x").json()["error_code"] == "INVALID_FIRMWARE_VERSION"
    assert fw.upload("v1.2.3/../../x", b"x").status_code == 400
    empty = fw.upload(next_version(), b"")
    assert empty.status_code == 400 and empty.json()["error_code"] == "VALIDATION_ERROR"
    with fw.client("production_manager") as c:
        r = c.post(
            "/api/v1/firmware",
            data={"version": next_version(), "target_mcu": "STM32F103"},
            files={"file": ("f.bin", b"abc", "application/octet-stream")},
        )
    assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN"
