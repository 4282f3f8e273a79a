"""The event catalogue names the consumers the running system really has: the consumer
groups on every stream of the e2e stack are the ones docs/events.md lists (generated from
the services' SUBSCRIPTIONS). And firmware.downloaded is consumed: each download is in
the audit trail."""

from __future__ import annotations

import random

import redis
from mes_cli.catalogue import consumers
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import GATEWAY, SERVICES, Stack
from mes_contracts import events as ev

from .conftest import Client
from .test_firmware import _blob, _upload

SERVICE_NAMES = {spec.name for spec in (*SERVICES, GATEWAY)}


def test_consumer_groups_of_the_running_stack_are_the_catalogue(stack: Stack) -> None:
    expected = consumers()
    r = redis.Redis.from_url(stack.redis_url or "", decode_responses=True)
    try:
        running = {
            stream: {g["name"] for g in r.xinfo_groups(stream)} & SERVICE_NAMES
            if r.exists(stream)
            else set()
            for stream in ev.ALL_STREAMS
        }
    finally:
        r.close()
    assert running == {stream: set(names) for stream, names in expected.items()}
    assert running[ev.FIRMWARE_DOWNLOADED] == {"gateway"}


def test_a_firmware_download_is_in_the_audit_trail(admin: Client) -> None:
    version = f"v7.{random.randint(1000, 999_999)}.0"
    _upload(admin, version, _blob(50_000, version))
    got = admin.get(f"/api/v1/firmware/download/{version}", headers={"X-Station-Id": "ST-04"})
    assert got.status_code == 200

    def recorded() -> list[dict] | None:
        log = admin.get("/api/v1/firmware/downloads", params={"version": version}).json()
        return [d for d in log["data"]["items"] if d["finished_at"]] or None

    [download] = eventually(recorded)

    def audited() -> list[dict] | None:
        params = {"entity_type": "firmware_download", "entity_id": str(download["id"])}
        return admin.get("/api/v1/audit", params=params).json()["data"]["items"] or None

    [entry] = eventually(audited, timeout=30)
    assert entry["action"] == "create" and entry["event_type"] == "firmware.downloaded"
    assert entry["service"] == "firmware-service" and entry["user_id"] == "admin"
    assert entry["new_values"]["version"] == version
    assert entry["new_values"]["station_id"] == "ST-04"
    assert entry["new_values"]["bytes_sent"] == 50_000
