"""The run behind `./mes load` (see load.py): a throw-away stack with emulated printers,
seeded LOTs, locust in a subprocess (it monkey-patches with gevent) and bench's event-lag
watcher on process.completed while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from mes_contracts.limits import MAX_LOT_SEQUENCE

from . import load_plot, load_report
from .bench import KST, Results, _create_lots, _throwaway_stack, _wait_known, _watch_lag, run_level
from .demo import Api, ensure_firmware
from .infra import free_port
from .load import Plan
from .stack import Stack

LOCUSTFILE = Path(__file__).resolve().parents[3] / "loadtest" / "locustfile.py"
MAX_LOTS = MAX_LOT_SEQUENCE  # LOT numbers per production date (001-999)
TRACED_LOTS = 3  # walked through all 8 processes before the run, so serials can be traced


class LagWatcher:
    """bench's consumer of process.completed in a thread, each lag stamped with its arrival."""

    class _Stamped(list):
        def append(self, lag: float) -> None:
            super().append((time.time(), lag))

    def __init__(self, redis_url: str) -> None:
        self.results = Results()
        self.results.lags = self._Stamped()
        self.stop_event = asyncio.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete,
            args=(_watch_lag(redis_url, self.results, self.stop_event),),
            daemon=True,
        )

    def __enter__(self) -> LagWatcher:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)

    @property
    def lags(self) -> list[tuple[float, float]]:
        return list(self.results.lags)


@contextlib.contextmanager
def _printers(out: Path) -> Iterator[None]:
    """Emulated LOT and serial label printers, so the stack prints like a real line."""
    ports = {
        "MES_LABEL_DEMO_PRINTER_PORT": free_port(),
        "MES_LABEL_DEMO_SERIAL_PRINTER_PORT": free_port(),
    }
    procs = []
    saved = {k: os.environ.get(k) for k in ports}
    try:
        for name, port in ports.items():
            log = (out / f"printer-{port}.log").open("wb")
            procs.append(
                subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "label_service.emulator", "--port", str(port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
            os.environ[name] = str(port)  # the throw-away stack takes its env from ours
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for proc in procs:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


def _created(url: str, count: int, quantity: int) -> list[str]:
    manager = Api(url)
    manager.login("manager", "demo-manager-1234")
    return _create_lots(manager, count, quantity)


def _seed(url: str, redis_url: str, plan: Plan, out: Path) -> Path:
    admin, manager, worker, quality = Api(url), Api(url), Api(url), Api(url)
    admin.login("admin", "demo-admin-1234")
    manager.login("manager", "demo-manager-1234")
    worker.login("w001", "demo-worker-1234")
    quality.login("quality", "demo-quality-1234")
    viewer, w002 = Api(url), Api(url)
    viewer.login("viewer", "demo-viewer-1234")
    w002.login("w002", "demo-worker-1234")
    ensure_firmware(admin)
    count = plan.seed_lots()
    print(f"seeding {count} LOTs (+{TRACED_LOTS} walked through all 8 processes)…", flush=True)
    traced = _create_lots(manager, TRACED_LOTS, plan.quantity)
    with ThreadPoolExecutor(4) as pool:  # four managers at once: seeding takes a quarter
        chunks = [count // 4 + (i < count % 4) for i in range(4)]
        lots = [
            lot
            for part in pool.map(_created, [url] * 4, chunks, [plan.quantity] * 4)
            for lot in part
        ]
    _wait_known(worker, traced + lots)
    walked = asyncio.run(run_level(url, redis_url, worker.token or "", traced, TRACED_LOTS, 120))
    if walked.errors:
        raise RuntimeError(f"seeding: process start/complete failed: {dict(walked.errors)}")
    deadline = time.monotonic() + 60
    for lot in traced:  # trace-service has them (serials allocated at PROC-007)
        while (
            quality.http.get(
                f"/api/v1/trace/serials/{lot}-0001",
                headers={"Authorization": f"Bearer {quality.token}"},
            ).status_code
            != 200
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"trace-service does not know {lot}-0001")
            time.sleep(0.2)
    seed = {
        "lots": lots,
        "traced_lots": traced,
        "component_lots": [f"SPRING-{datetime.now(KST):%Y%m%d}01"],  # demo.process_data_for
        "quantity": plan.quantity,
        "lot_budget": MAX_LOTS - len(lots) - len(traced) - 5,
        "tokens": {
            "manager": manager.token,
            "quality": quality.token,
            "viewer": viewer.token,
            "w001": worker.token,
            "w002": w002.token,
        },
    }
    path = out / "seed.json"
    path.write_text(json.dumps(seed, indent=2))
    return path


def _run_locust(url: str, plan: Plan, seed: Path, out: Path) -> int:
    env = {
        **os.environ,
        "MES_LOAD_SEED": str(seed),
        "MES_LOAD_OUT": str(out),
        "MES_LOAD_USERS": str(plan.users),
        "MES_LOAD_STEP": str(plan.step),
        "MES_LOAD_BASE_SECONDS": str(plan.base_seconds),
        "MES_LOAD_STEP_SECONDS": str(plan.step_seconds),
        "MES_LOAD_MAX_SECONDS": str(plan.seconds),
        "MES_LOAD_P95_MS": str(plan.p95_ms),
        "MES_LOAD_PACE": str(plan.pace),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        url,
        "--csv",
        str(out / "locust"),
        "--csv-full-history",
        "--html",
        str(out / "locust.html"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "5",
        "--exit-code-on-error",
        "0",
    ]
    print(f"locust: {plan.users} users (+{plan.step} per step) for at most {plan.seconds:.0f}s…")
    with (out / "locust.log").open("wb") as log:
        proc = subprocess.run(  # noqa: S603
            command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=plan.seconds + 120
        )
    return proc.returncode


@contextlib.contextmanager
def _stack(out: Path) -> Iterator[Stack]:
    tmp, stack = _throwaway_stack("mes-load-")
    try:
        yield stack
    finally:
        stack.stop()
        shutil.copytree(stack.logs_dir, out / "logs", dirs_exist_ok=True)  # services' logs
        shutil.rmtree(tmp, ignore_errors=True)


def run(plan: Plan, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    before = load_report.conditions()
    print(load_report.describe(before), flush=True)
    with _printers(out), _stack(out) as stack:
        url, redis_url = stack.gateway_url, stack.redis_url or ""
        seed = _seed(url, redis_url, plan, out)
        with LagWatcher(redis_url) as watcher:
            code = _run_locust(url, plan, seed, out)
        kept = json.loads(seed.read_text())
        seed.write_text(json.dumps({k: v for k, v in kept.items() if k != "tokens"}, indent=2))
    if code != 0:
        print(f"locust exited with {code}; see {out / 'locust.log'}", file=sys.stderr)
        return code
    summary = load_report.summarize(out, watcher.lags, plan.p95_ms, before)
    summary["errors_logged_by_services"] = _logged_errors(out / "logs")
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    plot = load_plot.write(out / "latency.html", summary)
    print(load_report.render(summary))
    print(f"\nreport: {out}\n  locust HTML {out / 'locust.html'}\n  plot        {plot}")
    return 0


def _logged_errors(logs: Path) -> list[str]:
    """Warnings and errors the services logged (they log at WARNING under load), counted by
    service, message and error type, with one full line of each kind."""
    kinds: dict[str, list] = {}
    for log in sorted(logs.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if not any(f'"level": "{level}"' in line for level in ("error", "warning", "critical")):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = {}
            error = str(entry.get("error", "")).split("(", 1)[0]
            key = f"{log.stem}: {entry.get('event', '?')} {error}".strip()
            kinds.setdefault(key, [0, line[:300]])[0] += 1
    return [f"{count}x {key} — e.g. {example}" for key, (count, example) in kinds.items()]
