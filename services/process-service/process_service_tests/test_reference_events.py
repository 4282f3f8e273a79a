"""process-service's copies of users' worker ids and of the released firmware, applied
from user.* and firmware.* events (typed payloads) on a real PostgreSQL."""

from __future__ import annotations

from mes_contracts import events as ev
from mes_contracts.examples import EXAMPLES

from .conftest import ProcessKit


async def _workers(kit: ProcessKit, *ids: str) -> dict[str, tuple[str, bool]]:
    rows = await kit.fetch(
        "SELECT worker_id, user_id, active FROM process.workers WHERE worker_id = ANY($1)",
        list(ids),
    )
    return {r["worker_id"]: (r["user_id"], r["active"]) for r in rows}


async def test_a_worker_id_follows_its_user_and_ends_with_the_account(kit: ProcessKit) -> None:
    user = {"username": "park.w201", "display_name": "박", "role": "worker"}
    await kit.emit(ev.USER_CREATED, {**user, "worker_id": "W201"})
    assert await _workers(kit, "W201") == {"W201": ("park.w201", True)}

    await kit.emit(ev.USER_UPDATED, {**user, "worker_id": "W202", "previous_worker_id": "W201"})
    assert await _workers(kit, "W201", "W202") == {
        "W201": ("park.w201", False),  # the old badge no longer starts anything
        "W202": ("park.w201", True),
    }

    # A deactivation refuses the worker even if its record said active.
    await kit.emit(ev.USER_DEACTIVATED, {**user, "worker_id": "W202", "active": True})
    assert await _workers(kit, "W202") == {"W202": ("park.w201", False)}


async def test_a_rollback_makes_its_version_the_released_one(kit: ProcessKit) -> None:
    await kit.emit(ev.FIRMWARE_RELEASED, EXAMPLES[ev.FIRMWARE_RELEASED])
    await kit.emit(
        ev.FIRMWARE_ROLLED_BACK, {**EXAMPLES[ev.FIRMWARE_ROLLED_BACK], "version": "v1.2.2"}
    )
    [row] = await kit.fetch("SELECT version, download_url FROM process.current_firmware")
    assert row["version"] == "v1.2.2"
    assert row["download_url"] == "/api/v1/firmware/download/v1.2.2"
