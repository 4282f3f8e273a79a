"""`./mes chaos`: a throw-away stack under load while its parts are killed in turn.

Load: clients create LOTs and walk them through the 8 steps over the gateway, retrying
each request until the MES answers; a workstation (the client's own offline queue and
dispatcher) sends other LOTs' starts and completions, queueing them through outages.
Faults (plan `full`): kill -9 each service and the gateway, kill -9 right after a commit
the outbox relay has not published, kill -9 consumers holding unacknowledged entries,
kill -9 Redis (AOF on) and an immediate shutdown of PostgreSQL, each started again.
Then, within a bounded wait, every accepted request's effects must exist exactly once in
every read model, nothing may be pending or undelivered, every dead-letter stream empty.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import chaos_actions as act
from .chaos_checks import Verdict, verdict
from .chaos_load import Tally, production
from .chaos_report import render
from .chaos_station import ChaosStation, feed_station
from .demo import Api, ensure_firmware
from .infra import free_port
from .stack import SERVICES, Stack, StackConfig

CHAOS_ENV = {
    "MES_RATE_LIMIT_PER_MINUTE": "100000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    "MES_CONSUMER_MIN_IDLE_MS": "3000",  # a dead consumer's entries are reclaimed after 3 s
    "MES_CONSUMER_RECLAIM_INTERVAL_MS": "1000",  # swept for them every second
    "MES_CONSUMER_BLOCK_MS": "200",
    "MES_OUTBOX_POLL_SECONDS": "0.5",
    "MES_LOG_LEVEL": "WARNING",
}
PLANS = {
    "short": ["relay:process-service", "kill:gateway", "consumer:trace-service"],
    "full": [
        *(f"kill:{s.name}" for s in SERVICES),
        "kill:gateway",
        "relay:lot-service",
        "relay:process-service",
        "consumer:trace-service",
        "consumer:lot-service",
        "redis",
        "postgres",
    ],
}


@dataclass
class Options:
    plan: list[str]
    gap_s: float = 4.0  # load between two faults
    down_s: float = 1.5  # how long a killed part stays down
    workers: int = 3  # clients walking LOTs
    station_every_s: float = 5.0  # a new LOT for the workstation this often
    quantity: int = 5  # units per LOT (serials and serial labels)
    settle_s: float = 120.0  # bounded wait for convergence after the load stops
    keep: bool = False  # keep the data directory (logs, databases) afterwards


@dataclass
class ChaosResult:
    ok: bool
    report: str
    verdict: Verdict | None
    tally: Tally
    timeline: list[tuple[float, str]] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)  # see Timeline.figures
    data_dir: Path | None = None


async def _fault(stack: Stack, tl: act.Timeline, step: str, opts: Options) -> None:
    kind, _, name = step.partition(":")
    dsn = (stack.database_url or "").replace("postgresql+asyncpg://", "postgresql://", 1)
    if kind == "kill":
        await act.kill_service(stack, tl, name, opts.down_s)
    elif kind == "relay":
        tl.figures[step] = await act.kill_after_commit(stack, tl, name, dsn)
    elif kind == "consumer":
        tl.figures[step] = await act.kill_consumer_mid_batch(
            stack, tl, name, stack.redis_url or "", opts.gap_s / 2
        )
    elif kind == "redis":
        await act.restart_redis(stack, tl, opts.down_s)
    elif kind == "postgres":
        await act.restart_postgres(stack, tl, opts.down_s)
    else:
        raise ValueError(f"unknown fault {step!r}")


async def _drive(stack: Stack, station: ChaosStation, opts: Options, log: Callable) -> ChaosResult:
    tally = Tally()
    tl = act.Timeline(log=log)
    stop = asyncio.Event()
    gateway = stack.gateway_url
    load = [
        asyncio.create_task(
            production(gateway, tally, stop, workers=opts.workers, quantity=opts.quantity)
        ),
        asyncio.create_task(
            feed_station(
                station,
                gateway,
                tally,
                stop,
                every_s=opts.station_every_s,
                quantity=opts.quantity,
            )
        ),
    ]
    tl.note(f"load started: {opts.workers} clients + 1 workstation")
    try:
        for step in opts.plan:
            await asyncio.sleep(opts.gap_s)
            await _fault(stack, tl, step, opts)
        await asyncio.sleep(opts.gap_s)
    finally:
        stop.set()
        tl.note("load stopping: requests in flight are answered first")
        await asyncio.wait_for(asyncio.gather(*load), timeout=300)
    stopped = time.monotonic()
    dsn = (stack.database_url or "").replace("postgresql+asyncpg://", "postgresql://", 1)
    result: Verdict | None = None
    while time.monotonic() - stopped < opts.settle_s:
        if station.drained():
            result = await verdict(dsn, stack.redis_url or "", tally, station)
            if result.ok:
                break
        await asyncio.sleep(2)
    else:
        if station.drained() or result is None:
            result = await verdict(dsn, stack.redis_url or "", tally, station)
    settled = time.monotonic() - stopped
    tl.note(
        f"{'settled' if result and result.ok else 'NOT settled'} {settled:.1f}s after the load stopped"
    )
    ok = bool(result and result.ok)
    report = render(result, tally, station, tl, settled=settled, ok=ok, redis=stack.redis)
    return ChaosResult(ok, report, result, tally, tl.entries, tl.figures)


def run(opts: Options, log: Callable[[str], None] = print) -> ChaosResult:
    """Start a throw-away stack, inject the plan's faults under load, check, stop."""
    started = time.monotonic()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="mes-chaos-"))
    stack = Stack(
        StackConfig(data_dir=tmp, http_port=free_port(), extra_env=CHAOS_ENV), log=lambda *_: None
    )
    log(f"chaos plan: {', '.join(opts.plan)}; starting a throw-away stack in {tmp}")
    station: ChaosStation | None = None
    result: ChaosResult | None = None
    try:
        stack.start(timeout=180)
        admin = Api(stack.gateway_url)
        admin.login("admin", "demo-admin-1234")
        ensure_firmware(admin)
        station = ChaosStation(stack.gateway_url, tmp / "workstation")
        station.start()
        result = asyncio.run(_drive(stack, station, opts, log))
    finally:
        if station is not None:
            station.stop()
        stack.stop()
        keep = opts.keep or not (result and result.ok)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    result.report += (
        f"\nruntime {time.monotonic() - started:.0f}s (stack start included); machine: "
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after" + (f"\ndata, logs and databases kept in {tmp}" if keep else "")
    )
    result.data_dir = tmp if keep else None
    log(result.report)
    return result


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chaos", help="kill services, relay, consumers, Redis, PostgreSQL under load; check"
    )
    p.add_argument("--plan", default="full", help=f"{' | '.join(PLANS)} | comma-separated faults")
    p.add_argument("--gap", type=float, default=4.0, help="seconds of load between faults")
    p.add_argument("--workers", type=int, default=3, help="clients walking LOTs")
    p.add_argument("--settle", type=float, default=120.0, help="max seconds to converge")
    p.add_argument("--keep", action="store_true", help="keep the data directory")
    p.set_defaults(func=cmd_chaos)


def cmd_chaos(args: argparse.Namespace) -> int:
    import signal

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # a killed run still stops its stack
    plan = PLANS.get(args.plan) or [s.strip() for s in args.plan.split(",") if s.strip()]
    opts = Options(
        plan=plan, gap_s=args.gap, workers=args.workers, settle_s=args.settle, keep=args.keep
    )
    return 0 if run(opts).ok else 1
