"""Downloads on both storages: headers, full and resumed transfers, 416, the log."""

from __future__ import annotations

import hashlib
import socket
from urllib.parse import urlsplit

import httpx
from mes_cli.pytest_plugin import eventually

from .conftest import Firmware, next_version, payload

SIZE = 5 * 1024 * 1024 + 333  # several storage chunks and S3 parts


def _uploaded(
    fw: Firmware, size: int = SIZE, seed: int = 20, *, release: bool = False
) -> tuple[str, bytes, str]:
    version = next_version()
    data = payload(size, seed=seed)
    r = fw.upload(version, data)
    assert r.status_code == 201, r.text
    if release:  # what stations (every role but admin) may download
        _release(fw, version)
    return version, data, f'"{hashlib.sha256(data).hexdigest()}"'


def _release(fw: Firmware, version: str) -> None:
    with fw.client() as c:
        r = c.post(f"/api/v1/firmware/{version}/release")
    assert r.status_code == 200, r.text


def test_full_download_headers_and_bytes(fw: Firmware) -> None:
    version, data, etag = _uploaded(fw, release=True)
    with fw.client("worker", worker_id="W001") as c:
        r = c.get(f"/api/v1/firmware/download/{version}", headers={"X-Station-Id": "ST-04"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == f'attachment; filename="firmware_{version}.bin"'
    assert int(r.headers["content-length"]) == len(data)
    assert r.headers["etag"] == etag
    assert r.headers["accept-ranges"] == "bytes"
    assert hashlib.md5(r.content).hexdigest() == hashlib.md5(data).hexdigest()
    with fw.client() as c:
        head = c.head(f"/api/v1/firmware/download/{version}")
        cached = c.get(f"/api/v1/firmware/download/{version}", headers={"If-None-Match": etag})
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(data)
    assert head.content == b""
    assert cached.status_code == 304 and cached.content == b""
    [row] = eventually(lambda: _log(fw, version))
    assert row["station_id"] == "ST-04" and row["user_id"] == "tester"
    assert row["worker_id"] == "W001" and row["role"] == "worker"
    assert row["status_code"] == 200 and row["bytes_sent"] == len(data)
    assert row["completed"] is True and row["finished_at"] is not None
    [event] = eventually(lambda: fw.events("firmware.downloaded", version))
    assert event["data"]["station_id"] == "ST-04"
    assert event["data"]["bytes_sent"] == len(data) and event["data"]["range"] is None


def test_interrupted_download_resumes_with_range(fw: Firmware) -> None:
    version, data, etag = _uploaded(fw, seed=21)
    url = f"/api/v1/firmware/download/{version}?station_id=ST-07"
    part = bytearray()
    with fw.client() as c, c.stream("GET", url) as r:  # the network drops mid-file
        for chunk in r.iter_bytes(64 * 1024):
            part += chunk
            if len(part) >= 2 * 1024 * 1024:
                break
    with fw.client() as c:
        rest = c.get(url, headers={"Range": f"bytes={len(part)}-", "If-Range": etag})
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes {len(part)}-{len(data) - 1}/{len(data)}"
    assert int(rest.headers["content-length"]) == len(data) - len(part)
    whole = bytes(part) + rest.content
    assert hashlib.md5(whole).hexdigest() == hashlib.md5(data).hexdigest()
    rows = eventually(lambda: (found := _log(fw, version)) and len(found) == 2 and found)
    resumed, broken = rows  # newest first
    assert broken["status_code"] == 200 and broken["station_id"] == "ST-07"
    # What reached the socket before the client left (loopback buffers may hold it all).
    assert len(part) <= broken["bytes_sent"] <= len(data)
    assert broken["completed"] is (broken["bytes_sent"] == len(data))
    assert resumed["status_code"] == 206 and resumed["range"] == f"bytes={len(part)}-"
    assert resumed["first_byte"] == len(part) and resumed["completed"] is True


def test_a_download_cut_short_is_recorded_as_incomplete(fw: Firmware) -> None:
    size = 12 * 1024 * 1024  # more than any socket buffers can hold in flight
    version, _data, _etag = _uploaded(fw, size=size, seed=24, release=True)
    parts = urlsplit(fw.url)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # a slow station
        sock.connect((parts.hostname, parts.port))
        auth = fw.headers("worker", "W002")["Authorization"]
        sock.sendall(
            f"GET /api/v1/firmware/download/{version} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {auth}\r\nX-Station-Id: ST-09\r\n\r\n".encode()
        )
        received = 0
        while received < 256 * 1024:
            received += len(sock.recv(65536))
    [row] = eventually(lambda: _log(fw, version))
    assert row["station_id"] == "ST-09" and row["worker_id"] == "W002"
    assert row["status_code"] == 200 and row["content_length"] == size
    assert row["completed"] is False and 0 < row["bytes_sent"] < size
    [event] = eventually(lambda: fw.events("firmware.downloaded", version))
    assert event["data"]["bytes_sent"] == row["bytes_sent"]


def test_ranges_if_range_and_unsatisfiable(fw: Firmware) -> None:
    version, data, etag = _uploaded(fw, size=300_000, seed=22)
    path = f"/api/v1/firmware/download/{version}"
    with fw.client() as c:

        def get(**headers: str) -> httpx.Response:
            return c.get(path, headers=headers)

        middle = get(Range="bytes=1000-1999")
        assert middle.status_code == 206 and middle.content == data[1000:2000]
        tail = get(Range="bytes=-500")
        assert tail.status_code == 206 and tail.content == data[-500:]
        past_end = get(Range=f"bytes={len(data) - 10}-{len(data) + 100}")
        assert past_end.content == data[-10:]
        # If-Range with another validator: the client's copy is stale, send everything.
        stale = get(Range="bytes=1000-", **{"If-Range": '"not-our-etag"'})
        assert stale.status_code == 200 and stale.content == data
        fresh = get(Range="bytes=1000-", **{"If-Range": etag})
        assert fresh.status_code == 206 and fresh.content == data[1000:]
        for ignored in ("bytes=0-1,5-9", "items=0-9", "bytes=9-1", "bytes=x-"):
            assert get(Range=ignored).status_code == 200
        for unsatisfiable in (f"bytes={len(data)}-", "bytes=-0"):
            r = get(Range=unsatisfiable)
            assert r.status_code == 416
            assert r.headers["content-range"] == f"bytes */{len(data)}"
            body = r.json()
            assert body["status"] == "error"
            assert body["error_code"] == "RANGE_NOT_SATISFIABLE"
            assert body["data"]["file_size"] == len(data)


def test_download_needs_a_token_and_admin_for_the_log(fw: Firmware) -> None:
    version, _data, _etag = _uploaded(fw, size=1000, seed=23, release=True)
    r = httpx.get(fw.url + f"/api/v1/firmware/download/{version}")
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHORIZED"
    with fw.client("viewer") as c:
        assert c.get(f"/api/v1/firmware/download/{version}").status_code == 200
        assert c.get("/api/v1/firmware/downloads").status_code == 403
        bad = c.get(f"/api/v1/firmware/download/{version}", headers={"X-Station-Id": "a b"})
        assert bad.status_code == 400 and bad.json()["error_code"] == "VALIDATION_ERROR"


def test_only_admins_download_what_is_not_released(fw: Firmware) -> None:
    """Never released (UPLOADED) and WITHDRAWN builds: admins only; RELEASED and
    SUPERSEDED (released before): every role. Checked by the service itself."""
    path = "/api/v1/firmware/download/{}".format
    others = ("production_manager", "quality_manager", "worker", "viewer")

    def answers(version: str) -> dict[str, tuple[int, int]]:
        out = {}
        for role in ("admin", *others):
            with fw.client(role, worker_id="W001" if role == "worker" else None) as c:
                got = c.get(path(version), headers={"X-Station-Id": "ST-04"})
                head = c.head(path(version))
            out[role] = (got.status_code, head.status_code)
            if got.status_code == 403:
                body = got.json()
                assert body["error_code"] == "FIRMWARE_NOT_RELEASED", body
                assert body["data"]["version"] == version
        return out

    def refused_except_admin(state: str, version: str) -> None:
        got = answers(version)
        assert got == {"admin": (200, 200), **dict.fromkeys(others, (403, 403))}, (state, got)

    first, _data, _etag = _uploaded(fw, size=2000, seed=25)
    refused_except_admin("UPLOADED", first)
    with fw.client("viewer") as c:
        body = c.get(path(first)).json()
    assert body["data"]["state"] == "UPLOADED"
    _release(fw, first)
    assert set(answers(first).values()) == {(200, 200)}
    second, _data, _etag = _uploaded(fw, size=2000, seed=26, release=True)
    assert set(answers(first).values()) == {(200, 200)}  # SUPERSEDED: it was released
    with fw.client() as c:
        rolled = c.post(f"/api/v1/firmware/{second}/rollback", json={"reason": "bad build"})
    assert rolled.status_code == 200, rolled.text
    refused_except_admin("WITHDRAWN", second)
    # Refusals are not downloads: only the admins' answers are in the log.
    with fw.client() as c:
        log = c.get("/api/v1/firmware/downloads", params={"version": second}).json()["data"]
    assert log["items"] and {d["role"] for d in log["items"]} == {"admin"}


def _log(fw: Firmware, version: str) -> list[dict]:
    with fw.client() as c:
        items = c.get("/api/v1/firmware/downloads", params={"version": version}).json()
    return [i for i in items["data"]["items"] if i["finished_at"] is not None]
