"""Release, roll back, history and current: the one source of truth for what PROC-004 gets."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from mes_cli.pytest_plugin import eventually

from .conftest import Firmware, next_version, payload


def _new(fw: Firmware, seed: int) -> str:
    version = next_version()
    assert fw.upload(version, payload(10_000, seed=seed)).status_code == 201
    return version


def _release(c: httpx.Client, version: str, **body: Any) -> httpx.Response:
    return c.post(f"/api/v1/firmware/{version}/release", json=body or None)


def _state(c: httpx.Client, version: str) -> str:
    return c.get(f"/api/v1/firmware/{version}").json()["data"]["state"]


def test_nothing_released_yet(fw_local: Firmware) -> None:
    """First in this module: its service (module-scoped) starts with an empty catalogue."""
    fw = fw_local
    with fw.client("viewer") as c:
        none = c.get("/api/v1/firmware/current")
    assert none.status_code == 409 and none.json()["error_code"] == "NO_RELEASED_FIRMWARE"
    only = _new(fw, 39)
    with fw.client() as c:
        assert _release(c, only).status_code == 200
        r = c.post(f"/api/v1/firmware/{only}/rollback", json={"reason": "nothing to go back to"})
        assert r.status_code == 409 and r.json()["error_code"] == "CONFLICT"
        assert _state(c, only) == "RELEASED"
        assert c.get("/api/v1/firmware/current").json()["data"]["version"] == only


def test_release_supersede_rollback_and_history(fw_local: Firmware) -> None:
    fw = fw_local
    a, b, c_ = _new(fw, 40), _new(fw, 41), _new(fw, 42)
    with fw.client() as c:
        r = _release(c, a, reason="first production build")
        assert r.status_code == 200 and r.json()["data"]["state"] == "RELEASED"
        assert r.json()["data"]["released_by"] == "tester"
        r = _release(c, b)
        assert r.json()["data"]["state"] == "RELEASED"
        assert _state(c, a) == "SUPERSEDED" and _state(c, c_) == "UPLOADED"
        current = c.get("/api/v1/firmware/current").json()["data"]
        assert current["version"] == b
        # Releasing the released version again changes nothing.
        again = _release(c, b).json()["data"]
        assert again["already_released"] is True
        # Only the released version can be rolled back; unknown versions are 404.
        refused = c.post(f"/api/v1/firmware/{a}/rollback", json={"reason": "x"})
        assert refused.status_code == 409 and refused.json()["error_code"] == "CONFLICT"
        missing = c.post(f"/api/v1/firmware/{next_version()}/rollback")
        assert missing.json()["error_code"] == "FIRMWARE_NOT_FOUND"
        r = c.post(f"/api/v1/firmware/{b}/rollback", json={"reason": "motor jitter in EOL"})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["released"]["version"] == a and data["released"]["state"] == "RELEASED"
        assert data["withdrawn"]["state"] == "WITHDRAWN"
        assert data["withdrawn"]["withdrawn_reason"] == "motor jitter in EOL"
        assert c.get("/api/v1/firmware/current").json()["data"]["version"] == a
        # A repeated click does not roll back a second time.
        twice = c.post(f"/api/v1/firmware/{b}/rollback", json={"reason": "double click"})
        assert twice.json()["data"]["already_withdrawn"] is True
        assert c.get("/api/v1/firmware/current").json()["data"]["version"] == a
        mine = {a, b}
        history = [
            h
            for h in c.get("/api/v1/firmware/releases").json()["data"]["items"]
            if h["version"] in mine
        ]
    assert [(h["action"], h["version"], h["previous_version"]) for h in history[:3]] == [
        ("ROLLBACK", a, b),
        ("RELEASE", b, a),
        ("RELEASE", a, history[2]["previous_version"]),
    ]
    assert history[0]["reason"] == "motor jitter in EOL"
    assert history[2]["reason"] == "first production build"
    assert all(h["actor_user_id"] == "tester" and h["actor_role"] == "admin" for h in history)
    [released] = eventually(
        lambda: [e for e in fw.events("firmware.released", b) if e["data"]["version"] == b]
    )
    assert released["data"]["previous_version"] == a
    assert released["data"]["md5_hash"] and released["data"]["released_by"] == "tester"
    [rolled] = eventually(lambda: fw.events("firmware.rolled_back", a))
    assert rolled["data"]["withdrawn_version"] == b and rolled["data"]["version"] == a
    assert rolled["data"]["reason"] == "motor jitter in EOL"
    assert rolled["data"]["md5_hash"] == released_md5(fw, a)


def released_md5(fw: Firmware, version: str) -> str:
    with fw.client() as c:
        return c.get(f"/api/v1/firmware/{version}").json()["data"]["md5_hash"]


def test_concurrent_releases_leave_exactly_one_released(fw_local: Firmware) -> None:
    fw = fw_local
    versions = [_new(fw, 50 + i) for i in range(5)]
    with ThreadPoolExecutor(5) as pool, fw.client() as c:
        codes = list(pool.map(lambda v: _release(c, v).status_code, versions))
        assert codes == [200] * 5
        released = c.get("/api/v1/firmware", params={"state": "RELEASED"}).json()["data"]
        history = c.get("/api/v1/firmware/releases", params={"limit": 5}).json()["data"]
    assert released["total"] == 1
    chain = list(reversed(history["items"]))
    assert {h["version"] for h in chain} == set(versions)
    # Serialized: each release superseded exactly the one released before it.
    for before, after in itertools.pairwise(chain):
        assert after["previous_version"] == before["version"]
    assert released["items"][0]["version"] == chain[-1]["version"]


def test_roles_and_errors(fw_local: Firmware) -> None:
    fw = fw_local
    version = _new(fw, 60)
    with fw.client("viewer") as c:
        assert _release(c, version).status_code == 403
        assert c.post(f"/api/v1/firmware/{version}/rollback").status_code == 403
        assert c.get(f"/api/v1/firmware/{version}").status_code == 200
        assert c.get("/api/v1/firmware/releases").status_code == 200
    with fw.client() as c:
        assert _release(c, "v1.2").json()["error_code"] == "INVALID_FIRMWARE_VERSION"
        assert _release(c, next_version()).json()["error_code"] == "FIRMWARE_NOT_FOUND"
        assert c.get("/api/v1/firmware/latest").json()["error_code"] == "INVALID_FIRMWARE_VERSION"
        extra = c.post(f"/api/v1/firmware/{version}/release", json={"reason": "x", "who": "me"})
        assert extra.status_code == 400 and _state(c, version) == "UPLOADED"
