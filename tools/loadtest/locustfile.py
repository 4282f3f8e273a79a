"""A factory day on the Withforce MES, for locust (run by `./mes load`; see README.md here).

At the base user count (MES_LOAD_USERS, default 100) the weights give 20 stations, 30
dashboards, 10 production managers and 40 quality staff, and the pacing below makes that
about 20 requests/s (SPEC §12: 100 concurrent users, peak 20 TPS):

    stations   20 x 2 requests / 4 s (start, ~2 s of work, complete)  = 10   req/s
    dashboards 30 x 1 summary  / 5 s (+ one live SSE feed held open)  =  6   req/s
    managers   10 x 1 request  / 10 s (create a LOT, open a LOT)      =  1   req/s
    quality    40 x 1 request  / 13.3 s (trace serial/LOT, recall)    =  3   req/s

The step shape then adds MES_LOAD_STEP users every MES_LOAD_STEP_SECONDS (same mix) and stops
after the first step whose p95 passes MES_LOAD_P95_MS, or at MES_LOAD_MAX_SECONDS.
Raw samples go to MES_LOAD_OUT (samples.csv, live_lag.csv, steps.json) for mes_cli.load.

Inputs (environment): MES_LOAD_SEED (JSON written by `./mes load`: LOTs ready for
PROC-001, serials and component LOTs to trace, how many LOTs managers may still create),
MES_LOAD_PACE (multiplies every wait; 1.0 = the takt above).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import gevent
from gevent.lock import Semaphore
from locust import LoadTestShape, User, events, task
from locust.contrib.fasthttp import FastHttpUser
from mes_cli.demo import KST, process_data_for, step_bodies

PACE = float(os.environ.get("MES_LOAD_PACE", "1.0"))
BASE_USERS = int(os.environ.get("MES_LOAD_USERS", "100"))
STEP_USERS = int(os.environ.get("MES_LOAD_STEP", "100"))
BASE_SECONDS = float(os.environ.get("MES_LOAD_BASE_SECONDS", "60"))
STEP_SECONDS = float(os.environ.get("MES_LOAD_STEP_SECONDS", "30"))
MAX_SECONDS = float(os.environ.get("MES_LOAD_MAX_SECONDS", "300"))
P95_LIMIT_MS = float(os.environ.get("MES_LOAD_P95_MS", "200"))
OUT = Path(os.environ.get("MES_LOAD_OUT", "."))
SEED: dict[str, Any] = json.loads(Path(os.environ["MES_LOAD_SEED"]).read_text())
# A LOT a manager creates reaches the first station later (lot.created → process-service).
CART_DELAY_SECONDS = 30 * PACE
WORK_SECONDS = 2.0 * PACE  # between a station's start and its completion
ACCOUNTS = {
    "w001": ("demo-worker-1234", "W001"),
    "w002": ("demo-worker-1234", "W002"),
    "manager": ("demo-manager-1234", None),
    "quality": ("demo-quality-1234", None),
    "viewer": ("demo-viewer-1234", None),
}
TOKEN_MAX_AGE = 600.0  # access tokens live 15 min


class Matured:
    """Values that become usable some seconds after they are added (events must arrive)."""

    def __init__(self, ready: list[str]) -> None:
        self.ready = list(ready)
        self.waiting: deque[tuple[float, str]] = deque()

    def add(self, value: str, delay: float) -> None:
        self.waiting.append((time.monotonic() + delay, value))

    def _promote(self) -> None:
        while self.waiting and self.waiting[0][0] <= time.monotonic():
            self.ready.append(self.waiting.popleft()[1])

    def pick(self) -> str | None:
        self._promote()
        return random.choice(self.ready) if self.ready else None  # noqa: S311

    def take(self) -> str | None:
        self._promote()
        return self.ready.pop(0) if self.ready else None


LOTS = Matured(SEED["lots"])  # LOTs waiting for PROC-001, each taken by one station
TRACED_LOTS = Matured(SEED["traced_lots"])  # LOTs with serials, traceable
COMPONENTS = Matured(SEED["component_lots"])
LOT_BUDGET = {"left": int(SEED["lot_budget"])}  # LOT numbers 001-999 per production date
STARVED = {"seconds": 0.0}
# Signed in by `./mes load` before the run (bcrypt is not part of the model); renewed here.
_tokens: dict[str, tuple[str, float]] = {
    account: (token, time.monotonic()) for account, token in SEED.get("tokens", {}).items()
}
_token_lock = Semaphore()
_live_greenlets: set[gevent.Greenlet] = set()
_samples: list[tuple[float, str, float, bool]] = []
_errors: dict[tuple[str, str], dict[str, Any]] = {}  # (endpoint, status) → first body, count
_live_lags: list[tuple[float, float]] = []
_steps: list[dict[str, Any]] = []
_state: dict[str, Any] = {"stopped_by": "time limit"}


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: Any = None,
    **_: Any,
) -> None:
    endpoint = f"{request_type} {name}"
    _samples.append((time.time(), endpoint, response_time, exception is not None))
    if exception is not None:
        status = str(getattr(response, "status_code", None) or type(exception).__name__)
        seen = _errors.setdefault(
            (endpoint, status), {"endpoint": endpoint, "status": status, "count": 0}
        )
        seen["count"] += 1
        if "body" not in seen:
            body = getattr(response, "text", None) if response is not None else None
            seen["body"] = (body or repr(exception))[:500]


def takt(seconds: float) -> Callable[[User], float]:
    """One task every `seconds` (times PACE), on the user's own phase. locust's
    constant_pacing keeps the phase of the user's creation, which undoes spread() and fires
    every dashboard in the same instant."""

    def wait(user: User) -> float:
        now = time.perf_counter()
        user.next_task_at = max(getattr(user, "next_task_at", now) + seconds * PACE, now)
        return user.next_task_at - now

    return wait


class MesUser(FastHttpUser):
    # geventhttpclient, not requests: under a hundred users, requests' own overhead
    # (measured against an independent client at the same moments) inflated medians ~20x.
    abstract = True
    account = "viewer"
    connection_timeout = 10.0
    network_timeout = 30.0  # the live feed sends a keep-alive every 4 s

    def token(self) -> str:
        with _token_lock:
            cached = _tokens.get(self.account)
            if cached and time.monotonic() - cached[1] < TOKEN_MAX_AGE:
                return cached[0]
            password = ACCOUNTS[self.account][0]
            r = self.client.post(
                "/api/v1/auth/login", json={"username": self.account, "password": password}
            )
            if r.status_code != 200:
                raise RuntimeError(f"login as {self.account}: {r.status_code} {r.text[:200]}")
            _tokens[self.account] = (r.json()["data"]["access_token"], time.monotonic())
            return _tokens[self.account][0]

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def spread(self, period: float) -> None:
        """Start at a random point of the period, as people do. Users spawned in the same
        second with constant pacing would otherwise fire in lockstep (30 summaries in the
        same instant every 5 s) and measure a thundering herd, not a factory."""
        gevent.sleep(random.uniform(0, period * PACE))  # noqa: S311
        self.next_task_at = time.perf_counter()


class Station(MesUser):
    """A workstation: takes a LOT from the cart queue and walks it through PROC-001..008."""

    weight = 20
    wait_time = takt(4.0)
    _ids = itertools.count()

    def on_start(self) -> None:
        self.account = "w001" if next(self._ids) % 2 == 0 else "w002"
        self.worker_id = ACCOUNTS[self.account][1]
        self.lot: str | None = None
        self.step = 1
        self.spread(4.0)

    @task
    def start_and_complete(self) -> None:
        if self.lot is None:
            self.lot, self.step = LOTS.take(), 1
            if self.lot is None:
                STARVED["seconds"] += 4.0 * PACE
                return
        lot = self.lot
        at = datetime.now(KST).replace(microsecond=0)
        body, _ = step_bodies(lot, self.step, at, worker_id=self.worker_id)
        pid = body["process_id"]
        r = self.client.post("/api/v1/process/start", json=body, headers=self.auth())
        if r.status_code != 200:
            self.lot = None  # leave it: the failure is in the stats with its body
            return
        gevent.sleep(WORK_SECONDS)
        done_at = datetime.now(KST).replace(microsecond=0)
        data = process_data_for(pid, lot, done_at)
        if pid == "PROC-002":  # a spring/busbar LOT feeds about five LOTs
            seq = int(lot.rsplit("-", 1)[1])
            data["sma_spring_lot"] = f"SPRING-{done_at:%Y%m%d}{seq // 5:03d}"
            data["busbar_lot"] = f"BUSBAR-{done_at:%Y%m%d}{seq // 5:03d}"
            COMPONENTS.add(data["sma_spring_lot"], 5.0)
        done = {**body, "complete_time": done_at.isoformat(), "process_data": data}
        r = self.client.post("/api/v1/process/complete", json=done, headers=self.auth())
        if r.status_code != 200:
            self.lot = None
            return
        if self.step == 8:
            TRACED_LOTS.add(lot, 5.0)
            self.lot = None
        self.step += 1


class Dashboard(MesUser):
    """A dashboard screen: the live feed held open, and the summary polled."""

    weight = 30
    wait_time = takt(5.0)

    _ids = itertools.count()

    def on_start(self) -> None:
        # Every dashboard gets every event; one in five measures the lag (JSON parsing in
        # this one client process would otherwise grow with dashboards x events).
        self.measures = next(self._ids) % 5 == 0
        self.listening = True
        self.listener = gevent.spawn(self._listen)
        _live_greenlets.add(self.listener)
        self.spread(5.0)

    def on_stop(self) -> None:
        self.listening = False
        self.listener.kill(block=False)
        _live_greenlets.discard(self.listener)

    def _listen(self) -> None:
        while self.listening:
            started = time.perf_counter()
            try:
                r = self.client.get("/api/v1/live", headers=self.auth(), stream=True)
                # Small reads: geventhttpclient waits for a whole chunk_size before returning.
                chunks = r.iter_content(chunk_size=256, decode_content=False)
                if self.measures:
                    self._measure(chunks)
                else:
                    for _ in chunks:
                        pass
            except Exception as exc:  # the feed broke while open: that is a failure
                if self.listening:
                    events.request.fire(
                        request_type="SSE",
                        name="/api/v1/live (open stream)",
                        response_time=(time.perf_counter() - started) * 1000,
                        response_length=0,
                        exception=exc,
                    )
            gevent.sleep(1.0)

    @staticmethod
    def _measure(chunks: Any) -> None:
        pending = b""
        for chunk in chunks:
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if not line.startswith(b"data: "):
                    continue
                event_time = json.loads(line[6:]).get("time")
                if event_time:
                    lag = time.time() - datetime.fromisoformat(event_time).timestamp()
                    _live_lags.append((time.time(), lag))

    @task
    def summary(self) -> None:
        self.client.get("/api/v1/dashboard/summary", headers=self.auth())


class Manager(MesUser):
    """A production manager: creates the day's LOTs and looks at them."""

    weight = 10
    account = "manager"
    wait_time = takt(10.0)
    _offsets = itertools.count()

    def on_start(self) -> None:
        self.turn = next(self._offsets)
        self.spread(10.0)

    @task
    def work(self) -> None:
        self.turn += 1
        known = TRACED_LOTS.pick()
        if self.turn % 2 == 0 or known is None:
            if LOT_BUDGET["left"] <= 0:  # the date's LOT numbers are used up: look instead
                self.client.get("/api/v1/lots", headers=self.auth())
                return
            LOT_BUDGET["left"] -= 1
            r = self.client.post(
                "/api/v1/lots",
                json={"product_model": "WF", "shift": "D", "target_quantity": SEED["quantity"]},
                headers=self.auth(),
            )
            if r.status_code == 201:
                LOTS.add(r.json()["data"]["lot_number"], CART_DELAY_SECONDS)
        else:
            self.client.get(f"/api/v1/lots/{known}", headers=self.auth(), name="/api/v1/lots/{lot}")


class Quality(MesUser):
    """Quality staff: trace a robot by serial, a LOT's history, a component recall."""

    weight = 40
    account = "quality"
    wait_time = takt(40.0 / 3.0)
    _offsets = itertools.count()
    KINDS = ("serial", "lot", "serial", "recall")

    def on_start(self) -> None:
        self.turn = next(self._offsets)
        self.spread(40.0 / 3.0)

    @task
    def trace(self) -> None:
        kind = self.KINDS[self.turn % len(self.KINDS)]
        self.turn += 1
        lot = TRACED_LOTS.pick()
        if kind == "recall":
            component = COMPONENTS.pick()
            self.client.get(
                f"/api/v1/trace/components/{component}",
                headers=self.auth(),
                name="/api/v1/trace/components/{component_lot}",
            )
        elif kind == "lot":
            self.client.get(
                f"/api/v1/trace/lots/{lot}", headers=self.auth(), name="/api/v1/trace/lots/{lot}"
            )
        else:
            unit = random.randint(1, SEED["quantity"])  # noqa: S311
            self.client.get(
                f"/api/v1/trace/serials/{lot}-{unit:04d}",
                headers=self.auth(),
                name="/api/v1/trace/serials/{serial}",
            )


class StepShape(LoadTestShape):
    """BASE_USERS for BASE_SECONDS, then +STEP_USERS every STEP_SECONDS; stops after the
    first step whose p95 (all requests, its first seconds left out) passes P95_LIMIT_MS."""

    def tick(self) -> tuple[int, float] | None:
        now = self.get_run_time()
        if now >= MAX_SECONDS:
            return None
        index = 0 if now < BASE_SECONDS else 1 + int((now - BASE_SECONDS) // STEP_SECONDS)
        users = BASE_USERS + index * STEP_USERS
        if not _steps or _steps[-1]["index"] != index:
            if _steps:
                _steps[-1]["end"] = time.time()
                if step_p95(_steps[-1]) > P95_LIMIT_MS:
                    _state["stopped_by"] = f"p95 > {P95_LIMIT_MS:g} ms"
                    return None
            _steps.append({"index": index, "users": users, "start": time.time(), "end": None})
        return users, float(max(STEP_USERS, BASE_USERS))


def settle_seconds(step: dict[str, Any]) -> float:
    """Left out at the start of a step: the users are spawning, the system adjusting."""
    return min(5.0, ((step["end"] or time.time()) - step["start"]) / 5)


def step_p95(step: dict[str, Any]) -> float:
    begin, end = step["start"] + settle_seconds(step), step["end"] or time.time()
    times = sorted(ms for at, _, ms, _ in _samples if begin <= at < end)
    return times[round(0.95 * (len(times) - 1))] if times else 0.0


@events.test_stopping.add_listener
def _close_step(**_: Any) -> None:
    if _steps and _steps[-1]["end"] is None:
        _steps[-1]["end"] = time.time()
    for listener in list(_live_greenlets):
        listener.kill(block=False)


@events.quitting.add_listener
def _write(**_: Any) -> None:
    _close_step()
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "samples.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["time", "name", "ms", "failed"])
        out.writerows((f"{at:.3f}", name, f"{ms:.2f}", int(bad)) for at, name, ms, bad in _samples)
    with (OUT / "live_lag.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["time", "lag_seconds"])
        out.writerows((f"{at:.3f}", f"{lag:.4f}") for at, lag in _live_lags)
    summary = {
        "steps": _steps,
        "stopped_by": _state["stopped_by"],
        "p95_limit_ms": P95_LIMIT_MS,
        "station_starved_seconds": STARVED["seconds"],
        "lots_left_unused": len(LOTS.ready) + len(LOTS.waiting),
        "pace": PACE,
        "errors": list(_errors.values()),
    }
    (OUT / "steps.json").write_text(json.dumps(summary, indent=2))
