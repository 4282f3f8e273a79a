"""`./mes fuzz api|files`: the long fuzzing runs, on a throw-away stack by default.

- `api [--examples N] [--roles admin,viewer] [--seed S]`: schemathesis against the
  gateway's merged OpenAPI document as every role (see `fuzz_api` for the checks and what
  is left out); prints cases and failures per role, each distinct failure with a curl
  to reproduce it, and a total line. Exit 1 on any failure.
- `files [--count N] [--seed S]`: hostile completion files into a real workstation's
  pending/ (see `fuzz_files`, `fuzz_station`); prints where they ended and any problem.
The short versions run in `./mes test` (tests/fuzz).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import tempfile
import time
from pathlib import Path

from . import fuzz_api, fuzz_station
from .bench import _throwaway_stack, conditions


def run_api(url: str, *, examples: int, roles: list[str], seed: int) -> int:
    fuzz_api.prepare(url)
    schema = fuzz_api.load_schema(url)
    print(f"API fuzz: {examples} valid + {examples} invalid cases per operation, seed {seed}")
    print("left out: " + "; ".join(f"{m} {p} ({why})" for (m, p), why in fuzz_api.EXCLUDED.items()))
    reports = []
    for role in roles:
        report = fuzz_api.fuzz_role(schema, url, role, examples=examples, seed=seed)
        reports.append(report)
        print(fuzz_api.summary_line(report), flush=True)
        if report.findings:
            print(fuzz_api.describe(report), flush=True)
    cases = sum(r.cases for r in reports)
    failures = sum(r.failures for r in reports)
    distinct = sum(len(r.findings) for r in reports)
    seconds = sum(r.seconds for r in reports)
    print(
        f"TOTAL {len(reports)} roles, {cases} cases, {failures} failures "
        f"({distinct} distinct), {seconds:.1f} s"
    )
    return 1 if failures else 0


def run_files(url: str, *, count: int, seed: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="mes-fuzz-files-"))
    print(f"file fuzz: {count} files into {work / 'work' / 'pending'}, seed {seed}")
    report = fuzz_station.run(url, work / "work", count=count, seed=seed)
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(report.kinds.items())))
    for problem in report.problems:
        print(f"  PROBLEM {problem}")
    print(f"TOTAL {report.summary()}")
    if report.problems:
        print(f"work folder kept for inspection: {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


def cmd_fuzz(args: argparse.Namespace) -> int:
    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # a killed run still stops its stack
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(conditions())
    tmp, stack, url = None, None, args.url
    started = time.monotonic()
    try:
        if url is None:
            tmp, stack = _throwaway_stack("mes-fuzz-")
            url = stack.gateway_url
        if args.target == "api":
            roles = args.roles.split(",") if args.roles else list(fuzz_api.ACCOUNTS)
            code = run_api(url, examples=args.examples, roles=roles, seed=seed)
        else:
            code = run_files(url, count=args.count, seed=seed)
        if stack is not None:
            dead = [n for n, s in stack.services.items() if s.process.poll() is not None]
            if dead:
                print(f"services that died during the run: {', '.join(dead)}")
                code = 1
    finally:
        if stack is not None:
            stack.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"done in {time.monotonic() - started:.0f} s (seed {seed})")
    return code


def register(sub: argparse._SubParsersAction) -> None:
    fuzz = sub.add_parser("fuzz", help="fuzz the API (schemathesis) or the workstation's files")
    fuzz.add_argument("target", choices=["api", "files"])
    fuzz.add_argument("--examples", type=int, default=25, help="api: cases per operation+mode")
    fuzz.add_argument("--roles", help="api: comma-separated roles (default: all five)")
    fuzz.add_argument("--count", type=int, default=300, help="files: how many files")
    fuzz.add_argument("--seed", type=int, help="reproduce a run (default: random, printed)")
    fuzz.add_argument("--url", help="a running gateway (dev only: it seeds demo accounts)")
    fuzz.set_defaults(func=cmd_fuzz)
