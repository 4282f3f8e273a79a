"""CPU time per request, per process: what a benchmark can report on a shared machine.

Wall-clock figures move with whatever else runs; the CPU seconds a process spent on a
known number of requests do not (much). A `CpuMeter` reads user+system CPU of named
processes (PostgreSQL with all its backends, i.e. the postmaster's process tree) before
and after a run; `per_request_ms` divides the difference by the requests answered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

# name → a function giving the current root pid (a supervised process may be restarted)
PidSource = Callable[[], int | None]


def own_cpu() -> float:
    """This process alone (the load driver): not the stack it started as its children."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


def _run_time(process: psutil.Process) -> float:
    """CPU seconds of one live process: the scheduler's nanosecond count of its threads
    where Linux gives it (an idle process spends less than the 10 ms tick of user+system
    times in a second), else user+system."""
    tasks = Path(f"/proc/{process.pid}/task")
    try:
        return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks.iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        times = process.cpu_times()
        return times.user + times.system


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (PostgreSQL backends); children
    that exited and were reaped count through the parent's children_* times."""
    if pid == os.getpid():
        return own_cpu()
    try:
        root = psutil.Process(pid)
        times = root.cpu_times()
        total = _run_time(root) + times.children_user + times.children_system
        for child in root.children(recursive=True):
            try:
                total += _run_time(child)
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0.0


@dataclass
class CpuMeter:
    processes: Mapping[str, PidSource]

    def snapshot(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, pid_of in self.processes.items():
            pid = pid_of()
            out[name] = _tree_cpu(pid) if pid else 0.0
        return out

    @staticmethod
    def per_request_ms(
        before: Mapping[str, float], after: Mapping[str, float], requests: int
    ) -> dict[str, float]:
        if requests <= 0:
            return {}
        return {n: (after[n] - before.get(n, 0.0)) * 1000 / requests for n in after}


def format_cpu(per_request: Mapping[str, float], *, client: str | None = "bench client") -> str:
    """`  CPU ms/request: gateway 1.2, lot-service 0.3, … = 5.1 (system), bench client 2.0`."""
    system = {n: v for n, v in per_request.items() if n != client}
    parts = ", ".join(f"{n} {v:.2f}" for n, v in system.items())
    line = f"  CPU ms per request: {parts} = {sum(system.values()):.2f} summed over the system"
    if client and client in per_request:
        line += f" (the load driver itself: {per_request[client]:.2f}, not counted)"
    return line


def parse_pids(text: str | None) -> dict[str, PidSource]:
    """`"app=1234,postgres=999"` → processes to meter (for a system the bench did not start)."""
    out: dict[str, PidSource] = {}
    for item in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, pid = item.partition("=")
        if not sep or not pid.isdigit():
            raise ValueError(f"bad pid setting {item!r}: use NAME=PID")
        out[name] = lambda pid=int(pid): pid
    return out
