"""`./mes load`: the factory-day load model (tools/loadtest/locustfile.py) against a
throw-away stack, stepped up until p95 passes the limit; prints per endpoint throughput,
p50/p95/p99, error rate and event lag at 20 TPS and at the knee, and writes locust's CSV
and HTML report, the raw samples, summary.json and a latency-against-load plot.

This module is the command line (imported by every ./mes call, so it stays light); the run
itself is in load_run, the figures in load_report and the plot in load_plot.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Plan:
    users: int = 100
    step: int = 100
    base_seconds: float = 60.0
    step_seconds: float = 30.0
    minutes: float = 5.0
    p95_ms: float = 200.0
    pace: float = 1.0
    quantity: int = 10

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    def user_counts(self) -> list[tuple[int, float]]:
        """(users, seconds) of every step if no knee stops the run early."""
        out = [(self.users, min(self.base_seconds, self.seconds))]
        left = self.seconds - self.base_seconds
        while left > 0:
            out.append((self.users + len(out) * self.step, min(self.step_seconds, left)))
            left -= self.step_seconds
        return out

    def seed_lots(self) -> int:
        """LOTs ready at PROC-001 before the run; managers create the rest as it goes.

        A station uses a LOT per 16 requests at 0.5 req/s; 20 % of the users are stations.
        """
        needed = sum(users / 5 * 0.5 / self.pace * secs / 16 for users, secs in self.user_counts())
        stations = self.user_counts()[-1][0] // 5
        return max(2, min(int(needed * 0.4) + stations, 450))


def register(sub: Any) -> None:
    p = sub.add_parser(
        "load",
        help="factory-day load (locust) on a throw-away stack, stepped up to the p95 knee",
    )
    p.add_argument("--users", type=int, default=100, help="first step (the 20 TPS model)")
    p.add_argument("--step", type=int, default=100, help="users added per step")
    p.add_argument("--base-seconds", type=float, default=60.0, help="length of the first step")
    p.add_argument("--step-seconds", type=float, default=30.0, help="length of later steps")
    p.add_argument("--minutes", type=float, default=5.0, help="bound on the whole run")
    p.add_argument("--p95-ms", type=float, default=200.0, help="stop after p95 passes this")
    p.add_argument("--pace", type=float, default=1.0, help="multiplies every wait (<1: faster)")
    p.add_argument("--quantity", type=int, default=10, help="units per LOT (as ./mes bench)")
    p.add_argument("--out", type=Path, help="output dir (default .mes/load/<timestamp>)")
    p.set_defaults(func=_cmd)


def _cmd(args: argparse.Namespace) -> int:
    import signal

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # a killed run still stops its stack
    root = Path(os.environ.get("MES_ROOT", Path.cwd()))
    out = args.out or root / ".mes" / "load" / datetime.now().strftime("%Y%m%d-%H%M%S")
    plan = Plan(
        users=args.users,
        step=args.step,
        base_seconds=args.base_seconds,
        step_seconds=args.step_seconds,
        minutes=args.minutes,
        p95_ms=args.p95_ms,
        pace=args.pace,
        quantity=args.quantity,
    )
    from .load_run import run

    return run(plan, out.resolve())
