"""How many pytest-xdist workers `./mes test` runs the suite on (ADR 0022).

Most of the suite waits on the services it drives (HTTP answers, events applied, a browser
page), so two workers, each with its own PostgreSQL, Redis and stack, finish sooner even on
two cores. A test file stays on one worker (`--dist loadfile`): its module fixtures (a
dashboard build, a fuzz stack) are set up once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

MAX_WORKERS = 4  # each worker runs a whole stack: memory, not cores, bounds more
ENV = "MES_TEST_WORKERS"  # a number; 1 runs the suite in this one process


def count(cpus: int | None, configured: str | None) -> int:
    """Workers for a machine with `cpus` cores, or what the operator configured."""
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise SystemExit(f"{ENV} must be a whole number, not {configured!r}") from None
    return max(1, min(MAX_WORKERS, cpus or 1))


def chose_themselves(pytest_args: Sequence[str]) -> bool:
    """The caller already asked for (or against) xdist on the command line."""
    return any(
        a == "-n"
        or (a.startswith("-n") and a[2:].lstrip("=").isalnum())
        or a.startswith("--numprocesses")
        or a in {"-pno:xdist", "no:xdist"}
        for a in pytest_args
    )


def options(pytest_args: Sequence[str]) -> list[str]:
    """The pytest options that run a whole suite in parallel (none on one core)."""
    if chose_themselves(pytest_args):
        return []
    workers = count(os.cpu_count(), os.environ.get(ENV))
    return [] if workers == 1 else ["-n", str(workers), "--dist", "loadfile"]
