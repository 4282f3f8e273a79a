"""Only versions the database knows map to a storage key the service chose: no traversal,
no other file or bucket key, however the path is encoded."""

from __future__ import annotations

import http.client
import io
import json
from urllib.parse import urlsplit

import pytest

from .conftest import Firmware, next_version, payload

SECRET = b"TOP-SECRET-NOT-FIRMWARE"
PLANTED = "v7.7.7"  # a well-formed version the database does not know


def _plant(fw: Firmware) -> None:
    """Bytes the service must never serve: beside and inside its storage area."""
    if fw.minio is not None:
        bucket = fw.settings.s3_bucket
        for key in ("secret.bin", "firmware/secret.bin", f"firmware/{PLANTED}/planted.bin"):
            fw.minio.put_object(bucket, key, io.BytesIO(SECRET), len(SECRET))
        return
    assert fw.root is not None
    (fw.root.parent / "secret.bin").write_bytes(SECRET)
    (fw.root / "secret.bin").write_bytes(SECRET)
    (fw.root / PLANTED).mkdir(exist_ok=True)
    (fw.root / PLANTED / "planted.bin").write_bytes(SECRET)


@pytest.fixture(scope="module")
def known(fw: Firmware) -> str:
    """One real version, plus foreign bytes planted around it."""
    version = next_version()
    assert fw.upload(version, payload(4096, seed=30)).status_code == 201
    _plant(fw)
    return version


def _raw_get(fw: Firmware, raw_path: str) -> tuple[int, bytes]:
    """Send the path byte for byte (httpx would normalise the dot segments away)."""
    parts = urlsplit(fw.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", raw_path, headers=fw.headers("admin"))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "tail",
    [
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "..%2Fsecret.bin",
        "{v}%2F..%2F..%2Fsecret.bin",
        "{v}/../secret.bin",
        "{v}/../../secret.bin",
        "%2e%2e%2fsecret.bin",
        "%2E%2E/secret.bin",
        "%252e%252e%252fsecret.bin",
        "..%5Csecret.bin",
        "{v}%5C..%5Csecret.bin",
        "..",
        "%2e%2e",
        "secret.bin",
        "firmware%2Fsecret.bin",
        "{v}%00",
        "{v}.bin",
        "{v}%2F..%2F" + PLANTED + "%2Fplanted.bin",
        PLANTED,
        "%2Fetc%2Fpasswd",
        "v1.2.3%20",
        "v01.2.3",
    ],
)
def test_traversal_and_foreign_keys_are_refused(fw: Firmware, known: str, tail: str) -> None:
    version = known
    status, body = _raw_get(fw, "/api/v1/firmware/download/" + tail.format(v=version))
    assert status in (400, 404), (status, body[:200])
    assert SECRET not in body
    error = json.loads(body)
    assert error["status"] == "error"
    # NUL bytes are refused before routing (VALIDATION_ERROR), the rest by the route.
    assert error["error_code"] in {
        "INVALID_FIRMWARE_VERSION",
        "FIRMWARE_NOT_FOUND",
        "NOT_FOUND",
        "VALIDATION_ERROR",
    }
    # The real version is still served.
    ok_status, ok_body = _raw_get(fw, f"/api/v1/firmware/download/{version}")
    assert ok_status == 200 and ok_body == payload(4096, seed=30)
