"""Drive a real workstation (mes_workstation.Station) with the hostile files of
`fuzz_files` against a running MES, then check that nothing was lost.

Checks once pending/ and queued/ have drained: every `*.json` drop is in completed/ or
error/ (byte for byte, duplicates under ` (2)`… names), each one in error/ has its
`<name>.error.json` with an error code, drops with a known fate are where they must be,
non-candidates are still in pending/ untouched, and the station's threads are alive with
no error logged and no thread died.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .demo import KST, Api, step_bodies
from .fuzz_files import Drop, Lot, generate

DRAIN_SECONDS = 60.0  # plus 0.5 s a drop; an empty file alone waits 10 s
log = logging.getLogger(__name__)


@dataclass
class FileReport:
    drops: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    where: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        folders = ", ".join(f"{k} {v}" for k, v in sorted(self.where.items()))
        return (
            f"{self.drops} files ({len(self.kinds)} kinds) → {folders}; "
            f"{len(self.problems)} problems; {self.seconds:.1f} s"
        )


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()} {record.exc_text or ''}")


def started_lots(gateway_url: str, count: int) -> list[Lot]:
    """`count` new LOTs with PROC-001 started by W001 (what a good completion needs)."""
    manager, worker = Api(gateway_url), Api(gateway_url)
    manager.login("manager", "demo-manager-1234")
    worker.login("w001", "demo-worker-1234")
    lots = []
    for _ in range(count):
        number = manager.call(
            "POST",
            "/api/v1/lots",
            json={"product_model": "WF", "target_quantity": 10, "shift": "D"},
        )["lot_number"]
        at = datetime.now(KST).replace(microsecond=0)
        lot = Lot(number, at)
        body, _ = step_bodies(number, 1, at)
        deadline = time.monotonic() + 15
        while True:  # process-service learns of the LOT from lot.created
            r = worker.http.post(
                "/api/v1/process/start",
                json=body,
                headers={"Authorization": f"Bearer {worker.token}"},
            )
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if r.status_code != 200:
            raise RuntimeError(f"cannot start PROC-001 of {number}: {r.status_code} {r.text}")
        lots.append(lot)
    return lots


def _drop(pending: Path, drop: Drop, stop_at: float) -> None:
    """Write like a careful station app (temp name, then rename); never over a file of
    the same name that the workstation has not taken yet."""
    target = pending / drop.name
    while target.exists() and drop.expect != "ignored" and time.monotonic() < stop_at:
        time.sleep(0.05)
    temp = pending / f".fuzz-{os.getpid()}-{time.monotonic_ns()}.part"
    temp.write_bytes(drop.content)
    os.replace(temp, target)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _drained(pending: Path, queued: Path, ignored: set[str]) -> bool:
    left = {p.name for p in pending.iterdir() if not p.name.startswith(".fuzz-")}
    return left <= ignored and not any(queued.iterdir())


def verify(work_dir: Path, drops: list[Drop], report: FileReport) -> None:
    from mes_workstation.workdir import sidecar_name

    completed = _files(work_dir / "completed")
    error = _files(work_dir / "error")
    pending = _files(work_dir / "pending")
    sidecar_of = {name: sidecar_name(name) for name in error}
    sidecars = {s for n, s in sidecar_of.items() if s in error and s != n}
    landed = [("completed", c) for c in completed.values()]
    landed += [("error", c) for n, c in error.items() if n not in sidecars]
    by_content: dict[bytes, Counter[str]] = {}
    for folder, content in landed:
        by_content.setdefault(content, Counter())[folder] += 1
        report.where[folder] += 1
    # Drops with one possible place first: an `either` must not take a place they need.
    for drop in sorted(drops, key=lambda d: d.expect == "either"):
        if drop.expect == "ignored":
            report.where["ignored"] += 1
            if pending.get(drop.name) != drop.content:
                report.problems.append(f"{drop.kind} {drop.name!r}: not left untouched")
            continue
        places = by_content.get(drop.content, Counter())
        wanted = ["completed", "error"] if drop.expect == "either" else [drop.expect]
        folder = next((f for f in wanted if places[f] > 0), None)
        if folder is None:
            found = ", ".join(places.elements()) or "nowhere"
            report.problems.append(f"{drop.kind} {drop.name[:80]!r}: expected {wanted}, {found}")
            continue
        places[folder] -= 1
    for name in set(error) - sidecars:
        record = json.loads(error.get(sidecar_of[name], b"{}") or b"{}")
        if not record.get("error_code"):
            report.problems.append(f"error/{name[:80]!r} has no .error.json with an error_code")


def run(
    gateway_url: str, work_dir: Path, *, count: int, seed: int, lot_count: int = 3
) -> FileReport:
    """Drop `count` generated files into a fresh station's pending/ and check the outcome."""
    from mes_workstation.api_client import ApiClient
    from mes_workstation.settings import Settings
    from mes_workstation.station import Station

    report = FileReport()
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzz data, not a secret
    drops = generate(rng, started_lots(gateway_url, lot_count), count)
    report.drops, report.kinds = len(drops), Counter(d.kind for d in drops)
    settings = Settings(
        gateway_url=gateway_url,
        station_id="WS-FUZZ",
        work_dir=work_dir,
        label_printing=False,
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
    )
    api = ApiClient(gateway_url, station_id=settings.station_id, timeout=10.0)
    api.login("w001", "demo-worker-1234")
    collector, died = _Collector(), []
    logging.getLogger("mes_workstation").addHandler(collector)
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: died.append(f"{args.thread}: {args.exc_value!r}")
    station = Station(settings, api)
    station.start()
    try:
        stop_at = time.monotonic() + DRAIN_SECONDS + 0.5 * count
        for drop in drops:
            _drop(station.folders.pending, drop, stop_at)
        ignored = {d.name for d in drops if d.expect == "ignored"}
        while not _drained(station.folders.pending, station.folders.queued, ignored):
            if time.monotonic() > stop_at:
                left = sorted(p.name[:80] for p in station.folders.pending.iterdir())
                queued = sorted(p.name[:80] for p in station.folders.queued.iterdir())
                report.problems.append(f"not drained: pending {left}, queued {queued}")
                break
            time.sleep(0.2)
        alive = {t.name for t in threading.enumerate()}
        for thread in ("mes-pipeline", "mes-dispatcher"):
            if thread not in alive:
                report.problems.append(f"the station's {thread} thread died")
    finally:
        station.stop()
        api.close()
        threading.excepthook = previous_hook
        logging.getLogger("mes_workstation").removeHandler(collector)
    verify(work_dir, drops, report)
    report.problems += [f"logged: {r[:300]}" for r in collector.records]
    report.problems += [f"thread died: {d[:300]}" for d in died]
    report.seconds = time.monotonic() - started
    return report
