"""Labels printed automatically from events on real Redis streams: lot.created → LOT label,
serials.allocated → one serial label per serial at the LOT's station printer."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from label_service.emulator import PrinterEmulator

from .conftest import LabelStack, closed_port, eventually


def lot_created(lot: str, quantity: int = 100) -> dict:
    return {
        "lot_number": lot,
        "product_model": "WF",
        "factory": "KR",
        "production_date": "2025-11-10",
        "shift": "D",
        "sequence": int(lot[-3:]),
        "target_quantity": quantity,
        "created_at": datetime.now(UTC).isoformat(),
        "created_by": "manager",
    }


def proc7_started(lot: str, station: str) -> dict:
    return {
        "work_order_id": f"WO-{lot}",
        "lot_number": lot,
        "product_model": "WF",
        "process_id": "PROC-007",
        "process_name": "라벨 프린팅",
        "sequence_number": 7,
        "worker_id": "W001",
        "station_id": station,
        "start_time": datetime.now(UTC).isoformat(),
        "recorded_at": datetime.now(UTC).isoformat(),
    }


def serials(lot: str, count: int) -> dict:
    return {
        "lot_number": lot,
        "product_model": "WF",
        "reason": "PROC-007_START",
        "serials": [
            {"serial_number": f"{lot}-{i:04d}", "sequence": i} for i in range(1, count + 1)
        ],
        "allocated_at": datetime.now(UTC).isoformat(),
    }


async def _printed_events(s: LabelStack, lot: str) -> list[dict]:
    entries = await s.redis.xrange("label.printed")
    data = [json.loads(e[1][b"__data__"])["data"] for e in entries]
    return [d for d in data if d["lot_number"] == lot]


async def test_lot_created_prints_the_lot_label(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-01", emu.port, purpose="LOT")
    await s.publish("lot.created", lot_created("WF-KR-251110D-101", 80))
    labels = await emu.wait_for_labels(1)
    assert b"^FDWF-KR-251110D-101^FS" in labels[0]
    assert b"^FDWithforce^FS" in labels[0] and b"^FDQTY: 80^FS" in labels[0]
    assert b"^FDDATE: 2025-11-10^FS" in labels[0]
    printed = await eventually(lambda: _printed_events(s, "WF-KR-251110D-101"))
    assert printed[0]["label_type"] == "LOT" and printed[0]["printer_id"] == "PRINTER-01"


async def test_a_100_serial_batch_prints_completely(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-07", emu.port, purpose="SERIAL", station_id="ST-07")
    lot = "WF-KR-251110D-102"
    started = time.monotonic()
    await s.publish("process.started", proc7_started(lot, "ST-07"))
    await s.publish("serials.allocated", serials(lot, 100))
    labels = await emu.wait_for_labels(100, within=20)
    assert len(labels) == 100 and time.monotonic() - started < 20
    expected = {f"^FD{lot}-{i:04d}^FS".encode() for i in range(1, 101)}
    assert {next(x for x in expected if x in label) for label in labels} == expected
    assert len(await eventually(lambda: _count(s, lot, 100))) == 100
    assert set(await s.job_states(lot_number=lot)) == {"sent"}


async def _count(s: LabelStack, lot: str, n: int) -> list[dict] | None:
    events = await _printed_events(s, lot)
    return events if len(events) >= n else None


async def test_jobs_wait_for_a_printer_that_is_down(label_stack: LabelStack) -> None:
    s = label_stack
    port = closed_port()
    await s.register("PRINTER-09", port, purpose="SERIAL", station_id="ST-09")
    lot = "WF-KR-251110D-103"
    await s.publish("serials.allocated", serials(lot, 5))  # before the station is known
    await s.publish("process.started", proc7_started(lot, "ST-09"))

    async def retrying() -> bool:
        states = await s.job_states(lot_number=lot)
        return len(states) == 5 and set(states) == {"retrying"}

    await eventually(retrying)
    failed = [json.loads(e[1][b"__data__"])["data"] for e in await s.redis.xrange("label.failed")]
    mine = [f for f in failed if f["lot_number"] == lot]
    assert mine and all(
        f["error_code"] == "PRINTER_NOT_CONNECTED" and f["will_retry"] for f in mine
    )
    emu = await PrinterEmulator("ZPL").start(port)  # the printer is back
    s.emulators.append(emu)
    labels = await emu.wait_for_labels(5, within=15)
    assert len(labels) == 5
    assert set(await eventually(lambda: _all_sent(s, lot))) == {"sent"}
    assert len(emu.labels) == 5  # printed once each, not again after success


async def _all_sent(s: LabelStack, lot: str) -> list[str] | None:
    states = await s.job_states(lot_number=lot)
    return states if set(states) == {"sent"} else None


async def test_waiting_jobs_survive_a_restart(label_stack: LabelStack) -> None:
    s = label_stack
    port = closed_port()
    await s.register("PRINTER-02", port, purpose="SERIAL", station_id="ST-02")
    lot = "WF-KR-251110D-104"
    await s.publish("process.started", proc7_started(lot, "ST-02"))
    await s.publish("serials.allocated", serials(lot, 3))

    async def retrying() -> bool:
        states = await s.job_states(lot_number=lot)
        return len(states) == 3 and set(states) == {"retrying"}

    await eventually(retrying)
    await s.stop_service()  # the service goes away with its jobs waiting
    emu = await PrinterEmulator("ZPL").start(port)
    s.emulators.append(emu)
    await asyncio.sleep(0.5)
    assert emu.labels == []  # nobody is sending while the service is down
    await s.start_service()
    assert len(await emu.wait_for_labels(3, within=15)) == 3
    assert set(await eventually(lambda: _all_sent(s, lot))) == {"sent"}
    await asyncio.sleep(0.5)
    assert len(emu.labels) == 3
