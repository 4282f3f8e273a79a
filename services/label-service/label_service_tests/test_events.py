"""Labels printed automatically from events on real Redis streams: lot.created → LOT label,
serials.allocated → one serial label per serial at the printer of the station it names;
the outcomes as one labels.printed / labels.failed per LOT and batch (ADR 0012)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from label_service.emulator import PrinterEmulator

from .conftest import LabelStack, closed_port, eventually, lot_created

#: serials.allocated as published before ADR 0012: no station_id (label-service then waits
#: for the station, at most label_station_wait_seconds, and takes the default printer).
BEFORE_0012 = object()


def serials(lot: str, count: int, station: str | object | None = BEFORE_0012) -> dict:
    """serials.allocated of a LOT's PROC-007 start at `station` (None: it named none)."""
    data = {
        "lot_number": lot,
        "product_model": "WF",
        "reason": "PROC-007_START",
        "serials": [
            {"serial_number": f"{lot}-{i:04d}", "sequence": i} for i in range(1, count + 1)
        ],
        "allocated_at": datetime.now(UTC).isoformat(),
    }
    return data if station is BEFORE_0012 else {**data, "station_id": station}


async def batches(s: LabelStack, stream: str, lot: str) -> list[dict]:
    """The labels.printed / labels.failed events of a LOT (their data)."""
    data = [json.loads(e[1][b"__data__"])["data"] for e in await s.redis.xrange(stream)]
    return [d for d in data if d["lot_number"] == lot]


async def _printed_events(s: LabelStack, lot: str) -> list[dict]:
    """Every printed label of a LOT, from its labels.printed batches."""
    return [label for b in await batches(s, "labels.printed", lot) for label in b["labels"]]


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
    assert await s.redis.xlen("label.printed") == 0  # retired: never published (ADR 0012)


async def test_a_100_serial_batch_prints_completely(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-07", emu.port, purpose="SERIAL", station_id="ST-07")
    lot = "WF-KR-251110D-102"
    started = time.monotonic()
    await s.publish("serials.allocated", serials(lot, 100, "ST-07"))
    labels = await emu.wait_for_labels(100, within=20)
    assert len(labels) == 100 and time.monotonic() - started < 20
    expected = {f"^FD{lot}-{i:04d}^FS".encode() for i in range(1, 101)}
    assert {next(x for x in expected if x in label) for label in labels} == expected
    assert len(await eventually(lambda: _count(s, lot, 100))) == 100
    assert set(await s.job_states(lot_number=lot)) == {"sent"}
    # One fact, one event: the printer took the batch (not 100 label events).
    [batch] = await batches(s, "labels.printed", lot)
    assert [x["serial_number"] for x in batch["labels"]] == [
        f"{lot}-{i:04d}" for i in range(1, 101)
    ]
    assert {(x["printer_id"], x["label_type"], x["attempt"]) for x in batch["labels"]} == {
        ("PRINTER-07", "SERIAL", 1)
    }


async def _count(s: LabelStack, lot: str, n: int) -> list[dict] | None:
    events = await _printed_events(s, lot)
    return events if len(events) >= n else None


async def test_jobs_wait_for_a_printer_that_is_down(label_stack: LabelStack) -> None:
    s = label_stack
    port = closed_port()
    await s.register("PRINTER-09", port, purpose="SERIAL", station_id="ST-09")
    lot = "WF-KR-251110D-103"
    await s.publish("serials.allocated", serials(lot, 5, "ST-09"))

    async def retrying() -> bool:
        states = await s.job_states(lot_number=lot)
        return len(states) == 5 and set(states) == {"retrying"}

    await eventually(retrying)

    async def retried_twice_more() -> bool:  # the printer stays down
        r = await s.http.get(
            "/api/v1/label/jobs", params={"lot_number": lot}, headers=s.headers("viewer")
        )
        return min(j["attempts"] for j in r.json()["data"]["items"]) >= 3

    await eventually(retried_twice_more)
    # The first failed attempt is one event listing the 5 labels; retries add none.
    [failed] = await batches(s, "labels.failed", lot)
    assert len(failed["labels"]) == 5
    assert all(
        f["error_code"] == "PRINTER_NOT_CONNECTED" and f["will_retry"] and f["attempt"] == 1
        for f in failed["labels"]
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
    await s.publish("serials.allocated", serials(lot, 3, "ST-02"))

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
