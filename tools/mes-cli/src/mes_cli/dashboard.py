"""Build the web dashboard (clients/dashboard) before `./mes up` when it is missing or stale.

The gateway serves `clients/dashboard/dist` at `/`. Building needs Node.js 20+ and npm; without
them `up` says so and starts the API without the UI. `MES_DASHBOARD_DIR` set (to a build made
elsewhere, or to "" for no UI) skips the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

SOURCES = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)


def dashboard_root(root: Path) -> Path:
    return root / "clients" / "dashboard"


def _newest_mtime(paths: Iterable[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            for sub in path.rglob("*"):
                if sub.is_file():
                    newest = max(newest, sub.stat().st_mtime)
        elif path.is_file():
            newest = max(newest, path.stat().st_mtime)
    return newest


def is_stale(dashboard: Path) -> bool:
    """True when dist/index.html is missing or older than any source file."""
    index = dashboard / "dist" / "index.html"
    if not index.is_file():
        return True
    return _newest_mtime(dashboard / name for name in SOURCES) > index.stat().st_mtime


def needs_install(dashboard: Path) -> bool:
    marker = dashboard / "node_modules" / ".package-lock.json"
    lock = dashboard / "package-lock.json"
    return not marker.is_file() or (
        lock.is_file() and lock.stat().st_mtime > marker.stat().st_mtime
    )


def _run(args: list[str], cwd: Path, timeout: float) -> bool:
    try:
        done = subprocess.run(args, cwd=cwd, timeout=timeout, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  {' '.join(args)} failed: {exc}")
        return False
    return done.returncode == 0


def ensure_built(root: Path, log: Callable[[str], None] = print) -> Path | None:
    """Make sure clients/dashboard/dist is built from the current sources; returns it, or
    None when there is no UI to serve. Never raises: the API runs without the UI."""
    if os.environ.get("MES_DASHBOARD_DIR") is not None:
        return None  # the gateway serves what the operator pointed it at (or nothing)
    dashboard = dashboard_root(root)
    if not (dashboard / "package.json").is_file():
        return None
    dist = dashboard / "dist"
    if not is_stale(dashboard):
        return dist
    built = dist if (dist / "index.html").is_file() else None
    fallback = "serving the previous build" if built else "starting without the web UI"
    npm = shutil.which("npm")
    if npm is None:
        log(
            f"warning: npm not found, so the web dashboard cannot be built; {fallback} "
            "(install Node.js 20+ with npm, then run ./mes up again)"
        )
        return built
    log("building the web dashboard (clients/dashboard)…")
    if needs_install(dashboard) and not _run(
        [npm, "ci", "--no-audit", "--no-fund"], dashboard, timeout=900
    ):
        log(f"warning: npm ci failed in clients/dashboard; {fallback}")
        return built
    if not _run([npm, "run", "build"], dashboard, timeout=600):
        log(f"warning: the dashboard build failed; {fallback}")
        return built
    return dist
