"""`./mes bench core`: start and complete requests through the gateway, authenticated, at
several concurrencies for a bounded time; prints throughput, latency percentiles per
endpoint and the event lag from a completion's commit to its arrival at a consumer.

By default it starts a throw-away stack (embedded PostgreSQL and Redis in a temp dir, the
rate limit raised for one client address) so it measures the system, not a dev stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import httpx
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis

from .bench_cpu import CpuMeter, PidSource, format_cpu, parse_pids
from .demo import KST, Api, ensure_firmware, step_bodies
from .infra import free_port
from .stack import Stack, StackConfig

BENCH_ENV = {
    # The demo printers answer (their emulators run inside label-service, so their CPU is
    # counted as the system's): labels print instead of failing and backing off.
    "MES_DEV_PRINTER_EMULATORS": "true",
    "MES_RATE_LIMIT_PER_MINUTE": "100000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    "MES_LOG_LEVEL": "WARNING",
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lags: list[float] = field(default_factory=list)
    elapsed: float = 0.0


class LotPool:
    """LOTs to work on, each walked through the 8 steps; one worker per LOT at a time."""

    def __init__(self, lots: list[str]) -> None:
        self.free: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        for lot in lots:
            self.free.put_nowait((lot, 1))


async def _worker(
    client: aiohttp.ClientSession, pool: LotPool, results: Results, deadline: float
) -> None:
    while time.monotonic() < deadline:
        try:
            lot, step = pool.free.get_nowait()
        except asyncio.QueueEmpty:
            return  # every LOT done: the run is over for this worker
        body, done = step_bodies(lot, step, datetime.now(KST).replace(microsecond=0))
        ok = await _timed(client, "start", "/api/v1/process/start", body, results)
        if ok:
            ok = await _timed(client, "complete", "/api/v1/process/complete", done, results)
        if ok and step < 8:
            pool.free.put_nowait((lot, step + 1))


def _driver(gateway: str, token: str, connections: int) -> aiohttp.ClientSession:
    """The load driver's HTTP client: aiohttp, whose per-request CPU stays flat with
    concurrency (httpx's grew several-fold at 32 connections and starved the system on
    a 2-core machine; ADR 0013 has the figures)."""
    return aiohttp.ClientSession(
        base_url=gateway,
        headers={"Authorization": f"Bearer {token}"},
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def _timed(
    client: aiohttp.ClientSession, name: str, path: str, body: dict, results: Results
) -> bool:
    started = time.perf_counter()
    try:
        async with client.post(path, json=body) as r:
            raw = await r.read()
            status = r.status
    except (aiohttp.ClientError, TimeoutError):
        results.errors[name] += 1
        return False
    results.latencies[name].append(time.perf_counter() - started)
    if status != 200:
        try:
            code = json.loads(raw).get("error_code", "")
        except ValueError:
            code = ""
        results.errors[f"{name} {status} {code}".strip()] += 1
        return False
    return True


async def _watch_lag(redis_url: str, results: Results, stop: asyncio.Event) -> None:
    """A consumer of process.completed: how long after commit each event arrives."""
    redis = Redis.from_url(redis_url)
    last = "$"
    try:
        while not stop.is_set():
            answer = await redis.xread({"process.completed": last}, block=500, count=500)
            arrived = datetime.now(KST)
            for _, entries in answer or []:
                for entry_id, fields in entries:
                    last = entry_id
                    event = Envelope.from_json(fields[DATA_FIELD.encode()])
                    results.lags.append((arrived - event.time).total_seconds())
    finally:
        await redis.aclose()


async def run_level(
    gateway: str,
    redis_url: str | None,
    token: str,
    lots: list[str],
    concurrency: int,
    seconds: float,
) -> Results:
    results = Results()
    pool = LotPool(lots)
    stop = asyncio.Event()
    async with _driver(gateway, token, concurrency) as client:
        watcher = asyncio.create_task(_watch_lag(redis_url, results, stop)) if redis_url else None
        await asyncio.sleep(0.2)
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(_worker(client, pool, results, deadline) for _ in range(concurrency))
        )
        results.elapsed = time.monotonic() - started
        if watcher:
            await asyncio.sleep(1.0)  # let the last events arrive
            stop.set()
            await watcher
    return results


async def run_rate_level(
    gateway: str, redis_url: str | None, token: str, lots: list[str], rate: float, seconds: float
) -> Results:
    """Open loop: a request every 1/rate seconds, whatever the answers' latency (a takt),
    alternating starts and completes over many LOTs, so latency is measured at that load."""
    results = Results()
    ready: asyncio.Queue[tuple[str, int, datetime | None]] = asyncio.Queue()
    for lot in lots:
        ready.put_nowait((lot, 1, None))  # no start time yet: the step is to be started
    stop = asyncio.Event()
    in_flight: set[asyncio.Task[None]] = set()
    missed = 0

    async def fire(
        client: aiohttp.ClientSession, lot: str, step: int, started: datetime | None
    ) -> None:
        at = started or datetime.now(KST).replace(microsecond=0)
        body, done = step_bodies(lot, step, at)
        if started is None:
            if await _timed(client, "start", "/api/v1/process/start", body, results):
                ready.put_nowait((lot, step, at))
            return
        if await _timed(client, "complete", "/api/v1/process/complete", done, results) and step < 8:
            ready.put_nowait((lot, step + 1, None))

    async with _driver(gateway, token, 200) as client:
        watcher = asyncio.create_task(_watch_lag(redis_url, results, stop)) if redis_url else None
        await asyncio.sleep(0.2)
        t0 = time.monotonic()
        for tick in range(int(seconds * rate)):
            await asyncio.sleep(max(0.0, t0 + tick / rate - time.monotonic()))
            try:
                lot, step, started_at = ready.get_nowait()
            except asyncio.QueueEmpty:
                missed += 1  # every LOT busy: the rate is above what the system answers
                continue
            task = asyncio.create_task(fire(client, lot, step, started_at))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await asyncio.gather(*in_flight)
        results.elapsed = time.monotonic() - t0
        if watcher:
            await asyncio.sleep(1.0)
            stop.set()
            await watcher
    if missed:
        results.errors["not sent (no LOT free)"] = missed
    return results


def _create_lots(api: Api, count: int, quantity: int) -> list[str]:
    lots = [
        api.call(
            "POST",
            "/api/v1/lots",
            json={"product_model": "WF", "shift": "D", "target_quantity": quantity},
        )["lot_number"]
        for _ in range(count)
    ]
    return lots


def _wait_known(api: Api, lots: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for lot in lots:
        while True:
            try:
                api.call("GET", f"/api/v1/process/lots/{lot}")
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def report(level: str, r: Results) -> str:
    total = sum(len(v) for v in r.latencies.values())
    lines = [
        f"\n{level}: {total} requests in {r.elapsed:.1f}s = {total / r.elapsed:.0f} req/s "
        f"(errors: {dict(r.errors) or 0})"
    ]
    lines.append(
        f"  {'endpoint':<10} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for name, values in sorted(r.latencies.items()):
        ms = [v * 1000 for v in values]
        lines.append(
            f"  {name:<10} {len(ms):>7} {len(ms) / r.elapsed:>7.0f} {percentile(ms, 50):>8.1f} "
            f"{percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f}"
        )
    lag = [v * 1000 for v in r.lags]
    lines.append(
        f"  event lag commit→consumer (process.completed, n={len(lag)}): p50 {percentile(lag, 50):.1f} ms, "
        f"p95 {percentile(lag, 95):.1f} ms, p99 {percentile(lag, 99):.1f} ms, max {max(lag, default=0):.1f} ms"
    )
    return "\n".join(lines)


def conditions() -> str:
    load = os.getloadavg()
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average before the run {load[0]:.2f}; everything on this machine (client included), loopback"
    )


def _throwaway_stack(prefix: str) -> tuple[Path, Stack]:
    """A whole stack on embedded stores in a temp dir, rate limit raised for one client."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    stack = Stack(
        StackConfig(data_dir=tmp, http_port=free_port(), extra_env=BENCH_ENV), log=lambda *_: None
    )
    try:
        stack.start()
    except BaseException:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp, stack


@dataclass
class Target:
    """A system under the load driver: ours (a throw-away stack or a URL) or another MES."""

    name: str
    url: str
    redis_url: str | None
    meter: CpuMeter | None
    worker_login: tuple[str, str] = ("w001", "demo-worker-1234")
    manager_login: tuple[str, str] = ("manager", "demo-manager-1234")
    admin_login: tuple[str, str] | None = ("admin", "demo-admin-1234")


@dataclass
class RunFigures:
    rps: float
    p50: dict[str, float]
    p95: dict[str, float]
    lag_p95: float
    cpu: dict[str, float]
    errors: int
    load: float


def _figures(r: Results, cpu: dict[str, float], load: float) -> RunFigures:
    total = sum(len(v) for v in r.latencies.values())
    ms = {k: [v * 1000 for v in vals] for k, vals in r.latencies.items()}
    return RunFigures(
        rps=total / r.elapsed if r.elapsed else 0.0,
        p50={k: percentile(v, 50) for k, v in ms.items()},
        p95={k: percentile(v, 95) for k, v in ms.items()},
        lag_p95=percentile([v * 1000 for v in r.lags], 95),
        cpu=cpu,
        errors=sum(r.errors.values()),
        load=load,
    )


def _median(values: list[float]) -> float:
    ordered = sorted(v for v in values if v == v)  # NaN-free
    return ordered[len(ordered) // 2] if ordered else float("nan")


def summarize(level: str, target: str, runs: list[RunFigures]) -> str:
    """Medians over the runs: throughput, latency, lag and CPU ms per request per process."""
    endpoints = sorted({k for r in runs for k in r.p50})
    loads = ", ".join(f"{r.load:.2f}" for r in runs)
    lines = [
        f"\n== {target}, {level}: medians of {len(runs)} runs (load average before each: {loads})",
        f"  throughput {_median([r.rps for r in runs]):.0f} req/s; errors "
        f"{sum(r.errors for r in runs)}; event lag p95 {_median([r.lag_p95 for r in runs]):.1f} ms",
    ]
    for name in endpoints:
        lines.append(
            f"  {name:<9} p50 {_median([r.p50.get(name, float('nan')) for r in runs]):7.1f} ms"
            f"   p95 {_median([r.p95.get(name, float('nan')) for r in runs]):7.1f} ms"
        )
    if runs and runs[0].cpu:
        cpu = {n: _median([r.cpu.get(n, 0.0) for r in runs]) for n in runs[0].cpu}
        lines.append(format_cpu(cpu))
    return "\n".join(lines)


def _stack_meter(stack: Stack) -> CpuMeter:
    processes: dict[str, PidSource] = {
        name: (lambda name=name: stack.process(name).pid) for name in stack.process_names()
    }
    if stack.postgres is not None:
        processes["postgres"] = stack.postgres.pid
    if stack.redis is not None:
        processes["redis"] = lambda: stack.redis.process.pid if stack.redis.process else None
    processes["bench client"] = os.getpid
    return CpuMeter(processes)


def _rss_mb(meter: CpuMeter) -> dict[str, float]:
    """Memory per process tree, as PSS (shared pages split between their users): RSS would
    count PostgreSQL's shared buffers once per backend."""
    import psutil

    out = {}
    for name, pid_of in meter.processes.items():
        pid = pid_of()
        if pid and name != "bench client":
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
                out[name] = sum(p.memory_full_info().pss for p in procs) / 2**20
            except psutil.Error:
                continue
    return out


def _idle_cpu(meter: CpuMeter, seconds: float = 30.0, settle: float = 10.0) -> str:
    """An idle stack's CPU: measured once start-up's tail (first gauges, token state,
    relays' first drains) has passed, over a window long enough for every periodic
    timer (5 s reads, sweeps and polls; 15 s gauges) to fire."""
    time.sleep(settle)
    before = meter.snapshot()
    time.sleep(seconds)
    after = meter.snapshot()
    share = {n: (after[n] - before[n]) / seconds * 100 for n in after if n != "bench client"}
    parts = ", ".join(f"{n} {v:.2f}" for n, v in share.items())
    return (
        f"idle for {seconds:g} s (after {settle:g} s to settle): % of one core: {parts} "
        f"= {sum(share.values()):.2f} in all"
    )


def _prepare(target: Target) -> tuple[Api, Api]:
    manager, worker = Api(target.url), Api(target.url)
    manager.login(*target.manager_login)
    worker.login(*target.worker_login)
    if target.admin_login:
        admin = Api(target.url)
        admin.login(*target.admin_login)
        ensure_firmware(admin)
    return manager, worker


def _one_run(
    target: Target,
    manager: Api,
    worker: Api,
    level: str,
    value: float,
    seconds: float,
    quantity: int,
) -> RunFigures:
    count = (
        max(16, int(value * 2)) if level == "rate" else max(int(value) * 4, int(seconds * 300 / 16))
    )
    lots = _create_lots(manager, count, quantity)
    _wait_known(worker, lots)
    meter = target.meter
    load = os.getloadavg()[0]
    before = meter.snapshot() if meter else {}
    if level == "rate":
        results = asyncio.run(
            run_rate_level(target.url, target.redis_url, worker.token or "", lots, value, seconds)
        )
    else:
        results = asyncio.run(
            run_level(target.url, target.redis_url, worker.token or "", lots, int(value), seconds)
        )
    time.sleep(1.0)  # the consumers' share of the work is part of the requests' cost
    requests = sum(len(v) for v in results.latencies.values())
    cpu = CpuMeter.per_request_ms(before, meter.snapshot(), requests) if meter else {}
    print(report(f"{target.name}, {level} {value:g}", results), flush=True)
    if cpu:
        print(format_cpu(cpu), flush=True)
    return _figures(results, cpu, load)


def run_core(
    *,
    url: str | None,
    concurrencies: list[int],
    seconds: float,
    quantity: int,
    rates: list[float] | None = None,
    runs: int = 3,
    compare: str | None = None,
    compare_pids: str | None = None,
    compare_login: tuple[str, str] | None = None,
) -> int:
    """Each level `runs` times; without `url`, every run on a throw-away stack of its own
    (a LOT day holds 999 LOT numbers, and runs stay independent)."""
    print(conditions())
    levels = [("rate", r) for r in rates or []] + [("concurrency", float(c)) for c in concurrencies]
    targets: list[Target | None] = [
        None if url is None else Target("ours", url, _redis_url(), None)
    ]
    if compare:
        targets.append(
            Target(
                f"compared ({compare})",
                compare,
                None,
                CpuMeter(parse_pids(compare_pids)) if compare_pids else None,
                worker_login=compare_login or ("w001", "demo-worker-1234"),
                manager_login=compare_login or ("manager", "demo-manager-1234"),
                admin_login=None,
            )
        )
    first = True
    for level, value in levels:
        for given in targets:
            figures = []
            for _ in range(runs):
                with _target(given, describe=first) as target:
                    first = False
                    manager, worker = _prepare(target)
                    figures.append(
                        _one_run(target, manager, worker, level, value, seconds, quantity)
                    )
                    if target.meter and level == "concurrency":
                        _print_rss(target.meter)
            name = given.name if given else "ours"
            print(summarize(f"{level} {value:g}", name, figures), flush=True)
    return 0


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:8009/0")


@contextlib.contextmanager
def _target(given: Target | None, *, describe: bool) -> Iterator[Target]:
    """The given system, or a throw-away stack of ours (described once: start-up, idle)."""
    if given is not None:
        yield given
        return
    began = time.monotonic()
    tmp, stack = _throwaway_stack("mes-bench-")
    try:
        target = Target("ours", stack.gateway_url, stack.redis_url, _stack_meter(stack))
        if describe:
            print(
                f"mode {stack.config.mode}: stack ready in {time.monotonic() - began:.1f} s "
                "(embedded stores, migrations, every service)",
                flush=True,
            )
            print(_idle_cpu(target.meter), flush=True)  # type: ignore[arg-type]
        yield target
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _print_rss(meter: CpuMeter) -> None:
    rss = _rss_mb(meter)
    ours = sum(v for n, v in rss.items() if n not in ("postgres", "redis"))
    print(
        "  memory (PSS, MB): "
        + ", ".join(f"{n} {v:.0f}" for n, v in rss.items())
        + f"; without PostgreSQL and Redis {ours:.0f}",
        flush=True,
    )


# -- ./mes bench trace -------------------------------------------------------------------


def _histogram(metrics_text: str, group: str, stream: str) -> dict[float, float]:
    """Cumulative bucket counts of mes_event_lag_seconds for one consumer group and stream."""
    buckets: dict[float, float] = {}
    for line in metrics_text.splitlines():
        if not line.startswith("mes_event_lag_seconds_bucket{"):
            continue
        labels, value = line.rsplit(" ", 1)
        if f'group="{group}"' in labels and f'stream="{stream}"' in labels:
            le = labels.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(value)
    return buckets


def _bucket_percentile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound of the bucket holding the q-th percentile of the observations in between."""
    diffs = sorted((le, after.get(le, 0) - before.get(le, 0)) for le in after)
    total = diffs[-1][1] if diffs else 0
    if not total:
        return float("nan")
    for le, count in diffs:
        if count >= total * q / 100:
            return le
    return float("inf")


def _timed_gets(client: httpx.Client, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        started = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} → {r.status_code}: {r.text[:200]}")
    return out


def run_trace(*, seconds: float, samples: int, years: float) -> int:
    import random
    import subprocess
    import sys

    print(conditions())
    tmp, stack = _throwaway_stack("mes-bench-trace-")
    try:
        url = stack.gateway_url
        print(f"seeding {years:g} years of history (500 units/day)…", flush=True)
        env = {**os.environ, "DATABASE_URL": stack.database_url or ""}
        seeded = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "trace_service.seed_history", "--years", str(years)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        print("  " + seeded.stdout.strip())
        viewer = Api(url)
        viewer.login("viewer", "demo-viewer-1234")
        rng = random.Random(1)  # noqa: S311
        today = datetime.now(KST).date()
        days = [today - timedelta(days=d) for d in range(1, int(365 * years))]
        serials = [
            f"WF-KR-{rng.choice(days):%y%m%d}D-{rng.randint(1, 5):03d}-{rng.randint(1, 100):04d}"
            for _ in range(samples)
        ]
        springs = [f"SPRING-{(rng.choice(days).toordinal() // 2):06d}" for _ in range(samples)]
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {viewer.token}"}, timeout=30
        ) as client:
            _timed_gets(client, [f"/api/v1/trace/serials/{s}" for s in serials[:20]])  # warm-up
            figures = {
                "trace by serial": _timed_gets(
                    client, [f"/api/v1/trace/serials/{s}" for s in serials]
                ),
                "recall by component LOT": _timed_gets(
                    client, [f"/api/v1/trace/components/{c}" for c in springs]
                ),
                "dashboard summary": _timed_gets(client, ["/api/v1/dashboard/summary"] * samples),
                "dashboard KPIs (today)": _timed_gets(client, ["/api/v1/dashboard/kpis"] * samples),
                "dashboard KPIs (a past day)": _timed_gets(
                    client,
                    [f"/api/v1/dashboard/kpis?day={rng.choice(days)}" for _ in range(samples)],
                ),
                "yield by day, 30 days": _timed_gets(
                    client,
                    [f"/api/v1/quality/yield?from={today - timedelta(days=30)}&to={today}"]
                    * samples,
                ),
                "Pareto by cause, 30 days": _timed_gets(
                    client,
                    [f"/api/v1/quality/pareto?from={today - timedelta(days=30)}&to={today}"]
                    * samples,
                ),
                # Issue 20's timed requests: one check's control chart over 30 days, and
                # the capability of every check (the KPIs of today are above).
                "SPC chart, 30 days": _timed_gets(
                    client, ["/api/v1/quality/spc/temp_sensor"] * samples
                ),
                "capability, all checks": _timed_gets(
                    client, ["/api/v1/quality/capability"] * samples
                ),
            }
        print(f"\nqueries through the gateway, sequential, {samples} each:")
        for name, ms in figures.items():
            print(
                f"  {name:<28} p50 {percentile(ms, 50):6.1f} ms   p95 {percentile(ms, 95):6.1f} ms"
            )

        trace_metrics = stack.services["trace-service"].url + "/metrics"
        before = _histogram(httpx.get(trace_metrics).text, "trace-service", "process.completed")
        admin, manager, worker = Api(url), Api(url), Api(url)
        admin.login("admin", "demo-admin-1234")
        manager.login("manager", "demo-manager-1234")
        worker.login("w001", "demo-worker-1234")
        ensure_firmware(admin)
        lots = _create_lots(manager, max(32, int(seconds * 600 / 16)), 100)
        _wait_known(worker, lots)
        load = asyncio.run(
            run_level(url, stack.redis_url or "", worker.token or "", lots, 8, seconds)
        )
        time.sleep(2)
        after = _histogram(httpx.get(trace_metrics).text, "trace-service", "process.completed")
        total = sum(len(v) for v in load.latencies.values())
        print(
            f"\nevent → trace projection lag under the core load (concurrency 8, {total / load.elapsed:.0f} req/s):"
        )
        print(
            f"  process.completed: p50 ≤ {_bucket_percentile(before, after, 50) * 1000:.0f} ms, "
            f"p95 ≤ {_bucket_percentile(before, after, 95) * 1000:.0f} ms (histogram bucket bounds)"
        )
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
