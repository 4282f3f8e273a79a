"""`./mes` — run, stop, inspect, test and demo the Withforce MES on one machine."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import backup as backup_cmd
from . import chaos as chaos_cmd
from . import dashboard, test_workers
from . import demo as demo_cmd
from . import fuzz as fuzz_cmd
from . import load as load_cmd
from .infra import stop_postgres_dir
from .stack import Stack, StackConfig, write_state
from .supervisor import RestartPolicy, Supervisor, retry_marker

ROOT = Path(os.environ.get("MES_ROOT", Path.cwd()))


def _state_path(config: StackConfig) -> Path:
    return config.data_dir / "run" / "stack.json"


def _read_state(config: StackConfig) -> dict | None:
    path = _state_path(config)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmd_up(args: argparse.Namespace) -> int:
    if args.replicas:  # via the environment, so a --detach supervisor gets them too
        os.environ["MES_REPLICAS"] = ",".join(args.replicas)
    if args.mode:
        os.environ["MES_MODE"] = args.mode
    os.environ.setdefault("MES_DEV_PRINTER_EMULATORS", "true")  # dev only (label-service)
    try:
        config = StackConfig.from_environment(ROOT)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    state = _read_state(config)
    if state and _alive(state.get("supervisor_pid")):
        print(f"already running: {state['gateway_url']} (./mes down to stop)")
        return 1
    dist = dashboard.ensure_built(ROOT)  # the web UI the gateway serves at /
    if dist is not None:  # the build just checked, wherever MES_ROOT put it
        os.environ["MES_DASHBOARD_DIR"] = str(dist)
    if args.detach:
        return _up_detached(config)
    return _up_foreground(config)


def _up_foreground(config: StackConfig) -> int:
    started = time.monotonic()
    stack = Stack(config)
    stopping = False

    def _terminate(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)  # also when started from a shell that ignored it
    try:
        stack.start(timeout=60)
        supervisor = Supervisor(
            stack,
            RestartPolicy.from_environment(),
            run_dir=_state_path(config).parent,
            on_change=lambda: write_state(_state_path(config), _state(stack, supervisor)),
            log=lambda line: print(line, flush=True),
        )
        write_state(_state_path(config), _state(stack, supervisor))
        elapsed = time.monotonic() - started
        print(f"\nWithforce MES is ready in {elapsed:.1f}s: {stack.gateway_url}")
        print(f"  API docs   {stack.gateway_url}/docs")
        print(f"  logs       {stack.logs_dir}")
        _print_demo_accounts_once(config)
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            supervisor.tick()  # a crashed process is started again; the others keep running
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except Exception as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        stack.stop()
        _state_path(config).unlink(missing_ok=True)
        return 1
    stack.stop()
    _state_path(config).unlink(missing_ok=True)
    print("stopped: nothing left running.")
    return 0


def _state(stack: Stack, supervisor: Supervisor) -> dict:
    """What `./mes status` and `./mes down` read: pids, ports and each process's restarts."""
    state = stack.state()
    supervision = supervisor.status()
    for name, svc in state["services"].items():
        # In single mode every service is supervised as the one process, "mes".
        svc.update(supervision.get("mes" if stack.in_single(name) else name, {}))
    if "mes" in supervision:
        state["single"] = {**supervision["mes"], "pid": stack.process("mes").pid}
    for store, pid in (
        ("postgres", stack.postgres.pid() if stack.postgres else None),
        ("redis", state["redis_pid"]),
    ):
        if store in supervision:
            state[store] = {**supervision[store], "pid": pid}
    return state


def _demo_accounts_marker(config: StackConfig) -> Path:
    return config.data_dir / "run" / "demo-accounts-shown"


def _demo_accounts_due(config: StackConfig) -> bool:
    """Seeded (dev) and not shown on this data directory yet."""
    return (
        config.env != "prod"
        and config.seed_demo_users
        and not _demo_accounts_marker(config).exists()
    )


def _print_demo_accounts() -> None:
    from gateway.users import DEMO_ACCOUNTS

    print("\nDemo accounts (dev only; shown once, also listed in the README):")
    for acc in DEMO_ACCOUNTS:
        worker = f" (worker id {acc.worker_id})" if acc.worker_id else ""
        print(f"  {acc.username:<9} {acc.password:<19} {acc.role.value}{worker}")


def _print_demo_accounts_once(config: StackConfig) -> None:
    if not _demo_accounts_due(config):
        return
    _print_demo_accounts()
    marker = _demo_accounts_marker(config)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def _up_detached(config: StackConfig) -> int:
    log_dir = config.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    _state_path(config).unlink(missing_ok=True)
    # The supervisor shows the accounts in its log (and marks them shown); here, too.
    show_accounts = _demo_accounts_due(config)
    with open(log_dir / "supervisor.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mes_cli", "up"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "MES_ROOT": str(ROOT)},
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = _read_state(config)
        if state:
            print(f"Withforce MES is ready: {state['gateway_url']} (supervisor pid {process.pid})")
            print(f"logs: {log_dir}; stop with ./mes down")
            if show_accounts:
                _print_demo_accounts()
            return 0
        if process.poll() is not None:
            print(f"start-up failed; see {log_dir / 'supervisor.log'}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    print("start-up timed out; stopping", file=sys.stderr)
    process.terminate()
    return 1


def cmd_down(_args: argparse.Namespace) -> int:
    config = StackConfig.from_environment(ROOT)
    state = _read_state(config)
    if not state:
        print("not running")
        stop_postgres_dir(config.data_dir / "postgres")
        return 0
    pid = state.get("supervisor_pid")
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        for _ in range(600):
            if not _alive(pid):
                break
            time.sleep(0.1)
    # Whatever the supervisor could not stop, stop here.
    leftovers = [s["pid"] for s in state.get("services", {}).values()] + [state.get("redis_pid")]
    for child in leftovers:
        if _alive(child):
            os.kill(child, signal.SIGKILL)
    if state.get("postgres_dir"):
        stop_postgres_dir(Path(state["postgres_dir"]))
    _state_path(config).unlink(missing_ok=True)
    print("stopped: nothing left running.")
    return 0


def cmd_status(_args: argparse.Namespace) -> int:
    import httpx

    config = StackConfig.from_environment(ROOT)
    state = _read_state(config)
    if not state or not _alive(state.get("supervisor_pid")):
        print("not running")
        return 1
    mode = state.get("mode", "services")
    print(
        f"gateway {state['gateway_url']}  (mode {mode}, supervisor pid {state['supervisor_pid']})"
    )
    healthy = True
    for name, svc in state["services"].items():
        if svc.get("state", "running") != "running":
            status = svc["state"]  # restarting after a crash, or failed (a crash loop)
        else:
            try:
                # generous: a loaded station PC answers slowly, and that is not "down"
                r = httpx.get(f"http://127.0.0.1:{svc['port']}/ready", timeout=5)
                status = r.json().get("status", r.status_code)
            except httpx.HTTPError as exc:
                status = f"unreachable ({exc.__class__.__name__})"
        healthy &= status == "ready"
        restarts = svc.get("restarts", 0)
        print(
            f"  {name:<17} port {svc['port']:<6} pid {svc['pid']:<8} restarts {restarts:<3} "
            f"{status}"
        )
    for store in ("postgres", "redis"):
        info = state.get(store)
        if info:  # embedded, supervised like the services
            healthy &= info["state"] == "running"
            print(
                f"  {store:<17} {'':<11} pid {info.get('pid') or '-':<8} "
                f"restarts {info['restarts']:<3} {info['state']}"
            )
    return 0 if healthy else 1


def cmd_restart(args: argparse.Namespace) -> int:
    """Ask the supervisor to restart a process (also one it gave up on after a crash loop)."""
    config = StackConfig.from_environment(ROOT)
    state = _read_state(config)
    if not state or not _alive(state.get("supervisor_pid")):
        print("not running")
        return 1
    single = "single" in state
    known = [
        *(["mes"] if single else []),
        *state["services"],
        *(s for s in ("postgres", "redis") if state.get(s)),
    ]
    if args.name not in known:
        print(f"unknown process {args.name!r}; one of: {', '.join(known)}", file=sys.stderr)
        return 2
    # In single mode a service is restarted with the process that serves them all.
    members = {
        n for n, s in state["services"].items() if s["pid"] == state.get("single", {}).get("pid")
    }
    target = "mes" if single and args.name in members else args.name
    marker = retry_marker(_state_path(config).parent, target)
    marker.touch()
    for _ in range(300):  # the supervisor takes the request at its next tick
        if not marker.exists():
            print(f"{target}: restart requested (./mes status shows it)")
            return 0
        time.sleep(0.1)
    print("the supervisor did not take the request", file=sys.stderr)
    return 1


def cmd_test(args: argparse.Namespace) -> int:
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT)
    if lint.returncode != 0:
        print("ruff found problems (see above)", file=sys.stderr)
        return lint.returncode
    pytest = [sys.executable, "-m", "pytest"]
    if args.unit:  # the fast tier: tests marked `unit`, no servers (mes_cli.unit_tier)
        return subprocess.run([*pytest, "--unit", *args.pytest_args], cwd=ROOT).returncode  # noqa: S603
    # Only a whole run (options at most, no paths or selections) runs on parallel workers
    # and gets the second pass.
    whole = not any(not a.startswith("-") for a in args.pytest_args)
    parallel = test_workers.options(args.pytest_args) if whole else []
    code = subprocess.run([*pytest, *parallel, *args.pytest_args], cwd=ROOT).returncode  # noqa: S603
    if code != 0 or not whole:
        return code
    # The suites above ran in single mode (the default); the end-to-end and chaos suites
    # run again with one process per service, as compose and k8s run them (ADR 0016).
    print("\n== again in services mode: tests/e2e tests/chaos ==", flush=True)
    env = {**os.environ, "MES_MODE": "services"}
    again = [*pytest, *parallel, *args.pytest_args, "tests/e2e", "tests/chaos"]
    return subprocess.run(again, cwd=ROOT, env=env).returncode  # noqa: S603


def cmd_demo(args: argparse.Namespace) -> int:
    config = StackConfig.from_environment(ROOT)
    state = _read_state(config)
    url = args.url or (state["gateway_url"] if state else f"http://127.0.0.1:{config.http_port}")
    return demo_cmd.run(url)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    signal.signal(signal.SIGTERM, _interrupt)  # a killed bench still stops its stack

    if args.mode:
        os.environ["MES_MODE"] = args.mode
    if args.suite == "trace":
        return bench.run_trace(seconds=args.seconds, samples=args.samples, years=args.years)
    levels = [int(c) for c in args.concurrency.split(",") if c]
    rates = [float(r) for r in args.rate.split(",") if r]
    return bench.run_core(
        url=args.url,
        concurrencies=levels,
        seconds=args.seconds,
        quantity=args.quantity,
        rates=rates,
        runs=args.runs,
        compare=args.compare,
        compare_pids=args.compare_pids,
        compare_login=tuple(args.compare_login.split(":", 1)) if args.compare_login else None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="mes", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser(
        "up", help="start the whole system (embedded PostgreSQL and Redis by default)"
    )
    up.add_argument("--detach", action="store_true", help="run in the background")
    up.add_argument(
        "--mode",
        choices=["single", "services"],
        help="single: every service in one process (default, MES_MODE); "
        "services: one process per service, as in compose/k8s",
    )
    up.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="N processes of a service sharing its consumer group, e.g. trace-service=3",
    )
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop everything started by ./mes up").set_defaults(func=cmd_down)
    sub.add_parser("status", help="show what runs and whether it is ready").set_defaults(
        func=cmd_status
    )
    restart = sub.add_parser(
        "restart", help="restart one process (also one left stopped after a crash loop)"
    )
    restart.add_argument("name", help="e.g. trace-service, gateway, redis")
    restart.set_defaults(func=cmd_restart)
    test = sub.add_parser(
        "test", help="lint and run the whole test suite (extra args go to pytest)"
    )
    test.add_argument(
        "--unit",
        action="store_true",
        help="only the fast tier: the rules' unit tests, no servers, under a minute",
    )
    test.set_defaults(func=cmd_test)
    demo = sub.add_parser("demo", help="drive a new LOT through all 8 processes via the HTTP API")
    demo.add_argument("--url", help="gateway URL (default: the running stack)")
    demo.set_defaults(func=cmd_demo)
    bench = sub.add_parser(
        "bench", help="benchmarks (core: process start/complete through the gateway)"
    )
    bench.add_argument("suite", nargs="?", default="core", choices=["core", "trace"])
    bench.add_argument("--samples", type=int, default=300, help="trace: queries per kind")
    bench.add_argument("--years", type=float, default=3.0, help="trace: history to seed")
    bench.add_argument(
        "--concurrency", default="8,32", help="comma-separated levels (default 8,32)"
    )
    bench.add_argument(
        "--rate",
        default="20",
        help="comma-separated fixed request rates run first, open loop (default 20: the spec's TPS)",
    )
    bench.add_argument("--seconds", type=float, default=20.0, help="time box per level")
    bench.add_argument(
        "--quantity",
        type=int,
        default=10,
        help="units per LOT (serials and labels at PROC-007; the bench runs ~100x a real day's LOTs)",
    )
    bench.add_argument("--url", help="a running gateway instead of a throw-away stack")
    bench.add_argument("--runs", type=int, default=3, help="runs per level; medians reported")
    bench.add_argument(
        "--mode", choices=["single", "services"], help="of the throw-away stack (MES_MODE)"
    )
    bench.add_argument(
        "--compare",
        metavar="URL",
        help="another MES with the same start/complete API, driven the same way in the same run",
    )
    bench.add_argument(
        "--compare-pids",
        metavar="NAME=PID,…",
        help="its processes, to report its CPU ms per request too (e.g. app=123,postgres=456)",
    )
    bench.add_argument(
        "--compare-login", metavar="USER:PASSWORD", help="its sign-in (default: our demo accounts)"
    )
    bench.set_defaults(func=cmd_bench)
    backup_cmd.register(sub)
    fuzz_cmd.register(sub)
    chaos_cmd.register(sub)
    load_cmd.register(sub)
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
