"""`./mes demo`: one LOT through all 8 processes via the public HTTP API, then its history."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from mes_contracts.routing import DEFAULT_ROUTING

from .signin import TokenAuth

KST = ZoneInfo("Asia/Seoul")
DEMO_FIRMWARE_VERSION = "v1.0.0"


def process_data_for(process_id: str, lot: str, now: datetime) -> dict[str, Any]:
    """What a station app would write for a good unit (SPEC §3)."""
    samples: dict[str, dict[str, Any]] = {
        "PROC-001": {"lot_number_engraved": lot, "marking_result": "SUCCESS"},
        "PROC-002": {
            "sma_spring_lot": f"SPRING-{now:%Y%m%d}01",
            "busbar_lot": f"BUSBAR-{now:%Y%m%d}01",
        },
        "PROC-003": {
            "temp_sensor": {
                "measured_temp": 60.2,
                "target_temp": 60.0,
                "tolerance": 1.0,
                "result": "PASS",
            },
            "tof_sensor": {"i2c_communication": True, "result": "PASS"},
            "overall_result": "PASS",
        },
        "PROC-004": {"firmware_version": DEMO_FIRMWARE_VERSION, "upload_result": "SUCCESS"},
        "PROC-005": {},
        "PROC-006": {
            "test_results": [
                {
                    "test_point_id": "T38_P170",
                    "spec": {"target_force": 12.8, "tolerance": 1.0},
                    "measured_force": 12.9,
                    "result": "PASS",
                },
                {
                    "test_point_id": "T50_P180",
                    "spec": {"target_force": 14.5, "tolerance": 1.0},
                    "measured_force": 14.2,
                    "result": "PASS",
                },
            ],
            "overall_result": "PASS",
            "test_duration_seconds": 45,
            "tested_at": now.isoformat(),
        },
        "PROC-007": {
            "label_printed": True,
            "printer_id": "PRINTER-07",
            "print_time": now.isoformat(),
            "barcode_verified": True,
        },
        "PROC-008": {"inspection_result": "PASS"},
    }
    return samples.get(process_id, {})


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.auth: TokenAuth | None = None

    def login(self, username: str, password: str) -> dict[str, Any]:
        """Sign in; the token is refreshed from then on (long runs outlive it)."""
        self.auth = TokenAuth(self.base_url, username, password)
        self.auth.attach(self.http)
        return self.auth.data["user"]

    @property
    def token(self) -> str | None:
        return self.auth.token() if self.auth else None

    def call(
        self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        r = self.http.request(method, path, **kwargs)
        if r.status_code not in ok:
            raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text}")
        return r.json().get("data")


def _wait(what: str, probe: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def step_bodies(
    lot: str,
    step: int,
    at: datetime,
    *,
    worker_id: str = "W001",
    takes: timedelta = timedelta(seconds=30),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The start and completion bodies a station sends for step `step` (1–8) of `lot`,
    started at `at` and done `takes` later, for a good unit. Start `at` about now: the
    MES refuses times far from its clock (ADR 0008), and `takes` stays well inside the
    clock skew it allows ahead (5 minutes)."""
    route = DEFAULT_ROUTING[step - 1]
    start = {
        "lot_number": lot,
        "process_id": route.process_id,
        "process_name": route.name_ko,
        "worker_id": worker_id,
        "start_time": at.isoformat(),
    }
    done_at = at + takes
    complete = {
        **start,
        "complete_time": done_at.isoformat(),
        "process_data": process_data_for(route.process_id, lot, done_at),
    }
    return start, complete


def ensure_firmware(api: Api) -> None:
    """PROC-004 needs a released firmware; the demo releases a small one if none is."""
    versions = api.call("GET", "/api/v1/firmware")["items"]
    if any(v["state"] == "RELEASED" for v in versions):
        return
    if not any(v["version"] == DEMO_FIRMWARE_VERSION for v in versions):
        blob = hashlib.sha256(b"withforce-demo").digest() * 2048  # 64 KiB
        api.call(
            "POST",
            "/api/v1/firmware",
            data={
                "version": DEMO_FIRMWARE_VERSION,
                "target_mcu": "STM32F103",
                "release_notes": "demo",
            },
            files={
                "file": (f"firmware_{DEMO_FIRMWARE_VERSION}.bin", blob, "application/octet-stream")
            },
        )
    api.call("POST", f"/api/v1/firmware/{DEMO_FIRMWARE_VERSION}/release")


def run(base_url: str) -> int:
    admin, manager, worker = Api(base_url), Api(base_url), Api(base_url)
    try:
        admin.login("admin", "demo-admin-1234")
        manager.login("manager", "demo-manager-1234")
        me = worker.login("w001", "demo-worker-1234")
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"cannot log in at {base_url} ({exc}); is the stack up (./mes up)?")
        return 1
    ensure_firmware(admin)
    now = datetime.now(KST)
    shift = "D" if 8 <= now.hour < 20 else "N"
    lot = manager.call(
        "POST", "/api/v1/lots", json={"product_model": "WF", "target_quantity": 100, "shift": shift}
    )
    number = lot["lot_number"]
    print(f"LOT {number} created by manager (status {lot['status']})")
    routing = _wait(
        "the LOT to reach process-service",
        lambda: _lot_routing(worker, number),
    )
    for step in routing:
        pid, name = step["process_id"], step["name_ko"]
        # Real times: the MES refuses times far from its clock (ADR 0008).
        started_at = datetime.now(KST)
        start = {
            "lot_number": number,
            "process_id": pid,
            "process_name": name,
            "worker_id": me["worker_id"],
            "start_time": started_at.isoformat(timespec="seconds"),
        }
        # A firmware released a moment ago reaches process-service by event: retry briefly.
        started = _wait(
            f"{pid} to start",
            lambda start=start: _start_unless_firmware_pending(worker, start),
        )
        clock = datetime.now(KST)
        done = worker.call(
            "POST",
            "/api/v1/process/complete",
            json={
                **start,
                "complete_time": clock.isoformat(timespec="seconds"),
                "process_data": process_data_for(pid, number, clock),
            },
        )
        extra = (
            f"  firmware {started['firmware_info']['version']}"
            if "firmware_info" in started
            else ""
        )
        print(f"  {pid} {name:<12} start {started['work_order_id']} → {done['result']}{extra}")
    final = _wait(
        "the LOT to become COMPLETED",
        lambda: (d := manager.call("GET", f"/api/v1/lots/{number}"))["status"] == "COMPLETED" and d,
    )
    history = worker.call("GET", f"/api/v1/process/lots/{number}")
    print(f"\nHistory of {number} ({final['status']}, {final['serial_count']} serials):")
    for p in history["processes"]:
        a = p["attempts"][-1]
        print(
            f"  {p['sequence']}. {p['process_id']} {p['name_en']:<28} {a['worker_id']}  "
            f"{a['start_time']} → {a['complete_time']}  {a['result']}"
        )
    print("Status history: " + " → ".join(h["to_status"] for h in final["status_history"]))
    return 0


def _start_unless_firmware_pending(api: Api, body: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return api.call("POST", "/api/v1/process/start", json=body)
    except RuntimeError as exc:
        if "NO_RELEASED_FIRMWARE" in str(exc):
            return None
        raise


def _lot_routing(api: Api, number: str) -> list[dict[str, Any]] | None:
    try:
        return api.call("GET", f"/api/v1/process/lots/{number}")["processes"]
    except RuntimeError:
        return None
