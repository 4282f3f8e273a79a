"""Label jobs for a dead printer do not spin (issue 16 item 7, ADR 0013): the printer is
tried again after growing delays up to the configured maximum, however many jobs keep
arriving for it, and its backlog prints as soon as it answers again. Real label-service,
real PostgreSQL and Redis, and a real loopback TCP port that refuses connections."""

from __future__ import annotations

import asyncio
import socket
import time
from itertools import pairwise

from label_service.emulator import PrinterEmulator

from .conftest import LabelStack, eventually, lot_created

BASE, MAX = 0.2, 1.6
LABEL_SETTINGS = {
    "label_dispatch_interval": 0.05,  # a spinning dispatcher would knock 20 times a second
    "label_retry_base_seconds": BASE,
    "label_retry_max_seconds": MAX,
}
WINDOW = 7.0


def _refusing_port() -> socket.socket:
    """A loopback port that is bound (nobody else gets it) but not listening: connecting
    to it is refused at once, like a printer that is switched off."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


async def _failures(s: LabelStack, printer_id: str) -> int:
    r = await s.http.get(f"/api/v1/printers/{printer_id}", headers=s.headers("viewer"))
    assert r.status_code == 200, r.text
    return r.json()["data"]["consecutive_failures"]


async def test_a_dead_printer_is_retried_with_growing_delays(label_stack: LabelStack) -> None:
    s = label_stack
    dead = _refusing_port()
    port = dead.getsockname()[1]
    await s.register("PRINTER-11", port, purpose="LOT")
    lots = [f"WF-KR-251110D-{n:03d}" for n in range(201, 236)]
    await s.publish("lot.created", lot_created(lots[0], 10))

    async def first_try() -> bool:
        return await _failures(s, "PRINTER-11") >= 1

    # The window opens at the first failed try, however long the event took to arrive on
    # a busy machine: what is measured is the spacing of the tries after it.
    await eventually(first_try)
    # Watch the printer's failure count over the window while LOTs keep coming, one every
    # 0.2 s (the dev stack's situation: every new LOT queues a label for the dead printer).
    started = time.monotonic()
    attempts: list[float] = [started]
    seen, sent = 1, 1
    while (now := time.monotonic()) - started < WINDOW:
        if sent < len(lots) and now - started >= sent * 0.2:
            await s.publish("lot.created", lot_created(lots[sent], 10))
            sent += 1
        failures = await _failures(s, "PRINTER-11")
        attempts.extend([now] * (failures - seen))
        seen = failures
        await asyncio.sleep(0.02)

    gaps = [b - a for a, b in pairwise(attempts)]
    # Doubling from 0.2 s to the 1.6 s cap: 0, 0.2, 0.6, 1.4, 3.0, 4.6, 6.2 s: 7 tries in
    # 7 s, where one try per tick would have been ~140.
    assert 4 <= len(attempts) <= 9, (len(attempts), gaps)
    assert gaps[2] > gaps[0] * 1.5, gaps  # growing …
    assert max(gaps) < MAX + 0.8, gaps  # … up to the maximum
    assert max(gaps[-2:]) > MAX * 0.7, gaps  # and it got there
    r = await s.http.get(
        "/api/v1/label/jobs",
        params={"printer_id": "PRINTER-11", "limit": 500},
        headers=s.headers("viewer"),
    )
    jobs = r.json()["data"]["items"]
    assert len(jobs) == sent and {j["state"] for j in jobs} <= {"queued", "retrying"}
    # A job is tried only when its printer is (one connection for the whole batch).
    assert 1 <= max(j["attempts"] for j in jobs) <= len(attempts)

    # The printer comes back: its whole backlog prints at its next try, once each.
    dead.close()
    emu = await PrinterEmulator("ZPL").start(port)
    s.emulators.append(emu)
    labels = await emu.wait_for_labels(sent, within=MAX + 10)
    assert len(labels) == sent
    await eventually(lambda: _all_sent(s, "PRINTER-11"))
    assert await _failures(s, "PRINTER-11") == 0
    await asyncio.sleep(0.3)
    assert len(emu.labels) == sent


async def _all_sent(s: LabelStack, printer_id: str) -> bool:
    states = await s.job_states(printer_id=printer_id)
    return bool(states) and set(states) == {"sent"}
