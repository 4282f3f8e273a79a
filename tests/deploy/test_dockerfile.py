"""deploy/docker: no Docker engine here, so the Dockerfile is checked statically (stages,
non-root USER, HEALTHCHECK, uvicorn flags, every COPY source present and not ignored) and
its builder stage is rehearsed: the same COPYs into an empty folder, the same `uv sync`
commands, then every role's entry point imported from the resulting environment and the
entry point script run for real (migrate, wait-migrations) against a fresh database."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from mes_cli.pytest_plugin import create_database
from mes_cli.stack import ALL_PACKAGES, SERVICES

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "deploy" / "docker"
ROLES = [s.name for s in SERVICES] + ["gateway"]


@dataclass
class Instruction:
    stage: str
    keyword: str
    args: str


def parse(path: Path) -> list[Instruction]:
    text = re.sub(r"\\\n", " ", path.read_text())
    out, stage = [], ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage = args.split(" AS ")[-1].strip() if " AS " in args else args
        out.append(Instruction(stage, keyword, " ".join(args.split())))
    return out


def dockerignore() -> list[str]:
    lines = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        variants = {
            pattern,
            pattern.replace("**/", ""),
            pattern + "/*",
            pattern.replace("**/", "") + "/*",
        }
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hit = (
            any(fnmatch.fnmatch(p, v) for v in variants for p in prefixes)
            or any(fnmatch.fnmatch(part, pattern.replace("**/", "")) for part in parts)
            if pattern.startswith("**/")
            else any(fnmatch.fnmatch(p, v) for v in variants for p in prefixes)
        )
        if hit:
            result = not negate
    return result


def copies(instructions, stage: str | None = None) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY from the build context."""
    found = []
    for i in instructions:
        if i.keyword != "COPY" or (stage and i.stage != stage):
            continue
        words = [
            w
            for w in shlex.split(i.args)
            if not w.startswith("--chmod") and not w.startswith("--chown")
        ]
        if any(w.startswith("--from") for w in words):
            continue
        found.append((words[:-1], words[-1]))
    return found


DOCKERFILE = parse(DOCKER / "Dockerfile")
FINAL = [i for i in DOCKERFILE if i.stage == DOCKERFILE[-1].stage]


def test_multi_stage_slim_and_non_root():
    stages = [i.args for i in DOCKERFILE if i.keyword == "FROM"]
    assert len(stages) >= 4  # uv, dashboard (node), builder, runtime
    assert any("NODE_IMAGE" in s and "dashboard" in s for s in stages)
    args = {
        i.args.split("=")[0]: i.args.split("=", 1)[1]
        for i in DOCKERFILE
        if i.keyword == "ARG" and "=" in i.args
    }
    assert "slim" in args["PYTHON_IMAGE"] and args["PYTHON_IMAGE"].startswith("python:3.11")
    [user] = [i.args for i in FINAL if i.keyword == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    assert int(user.split(":")[0]) >= 10000
    [health] = [i.args for i in FINAL if i.keyword == "HEALTHCHECK"]
    assert "mes-healthcheck" in health and "--start-period" in health
    assert any(i.keyword == "ENTRYPOINT" for i in FINAL)
    # No build tools or sources in the runtime stage: only the venv, the dashboard, scripts.
    final_copies = [i.args for i in FINAL if i.keyword == "COPY"]
    assert any("--from=builder /opt/mes/venv" in c for c in final_copies)
    assert any("--from=dashboard /src/dist" in c for c in final_copies)
    assert not any(i.keyword == "RUN" and "uv " in i.args for i in FINAL)
    env = " ".join(i.args for i in FINAL if i.keyword == "ENV")
    assert "MES_DASHBOARD_DIR=/opt/mes/dashboard" in env and "MES_ENV=prod" in env


def test_dashboard_is_built_in_a_node_stage():
    runs = [i.args for i in DOCKERFILE if i.stage == "dashboard" and i.keyword == "RUN"]
    assert any("npm ci" in r for r in runs) and any("npm run build" in r for r in runs)
    assert "vite build" in (REPO / "clients/dashboard/package.json").read_text()


def test_every_copy_source_exists_and_is_not_ignored():
    patterns = dockerignore()
    for sources, _ in copies(DOCKERFILE):
        for source in sources:
            path = REPO / source
            assert path.exists(), source
            assert not ignored(source.rstrip("/"), patterns), (
                f"{source} is excluded by the .dockerignore"
            )
    assert ignored(".venv", patterns) and ignored("clients/dashboard/node_modules", patterns)
    assert ignored("services/lot-service/tests/test_x.py", patterns)
    assert not ignored("services/lot-service/src/lot_service/app.py", patterns)


def test_uv_steps_are_frozen_and_two_phase():
    syncs = [i.args for i in DOCKERFILE if i.stage == "builder" and "uv sync" in i.args]
    assert len(syncs) == 2
    deps, project = syncs
    assert "--frozen" in deps and "--no-install-workspace" in deps and "--no-dev" in deps
    assert "--frozen" in project and "--no-editable" in project
    for role in ROLES:
        assert f"--package {role}" in deps and f"--package {role}" in project
    # uv in the image is the one the lock pins for development.
    lock = (REPO / "uv.lock").read_text()
    locked = re.search(r'\[\[package\]\]\nname = "uv"\nversion = "([^"]+)"', lock).group(1)
    args = {
        i.args.split("=")[0]: i.args.split("=", 1)[1]
        for i in DOCKERFILE
        if i.keyword == "ARG" and "=" in i.args
    }
    assert args["UV_IMAGE"].endswith(f":{locked}")


def test_entrypoint_starts_each_role_as_the_launcher_does():
    script = (DOCKER / "entrypoint.sh").read_text()
    assert subprocess.run(["sh", "-n", str(DOCKER / "entrypoint.sh")], check=False).returncode == 0
    case = re.search(r"\n\s+(lot-service[^)]*)\)", script).group(1)
    assert {r.strip() for r in case.split("|")} == set(ROLES)
    uvicorn = re.search(r"exec uvicorn (.*?)\n\s+\"\$@\"", script, re.S).group(1)
    for flag in (
        "--factory",
        "--no-proxy-headers",
        "--timeout-graceful-shutdown",
        "--timeout-keep-alive",
        "--host",
        "--port",
    ):
        assert flag in uvicorn
    assert '"${package}.app:build_app"' in uvicorn
    migrate = re.search(r"set -- ([a-z_ ]+)\n", script).group(1).split()
    assert migrate == ALL_PACKAGES


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory) -> Path:
    """The builder stage, rehearsed: same files, same uv commands."""
    ctx = tmp_path_factory.mktemp("image")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv, "uv is a dev dependency"
    patterns = dockerignore()
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(ctx / "venv"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": sys._base_executable,
        "UV_COMPILE_BYTECODE": "1",  # as in the image: every later start is faster
        "UV_NO_PROGRESS": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    for i in [i for i in DOCKERFILE if i.stage == "builder"]:
        if i.keyword == "WORKDIR":
            work = ctx / "src"
            work.mkdir(exist_ok=True)
        elif i.keyword == "COPY" and "--from" not in i.args:
            [(sources, dest)] = copies([i])
            for source in sources:
                src = REPO / source
                if src.is_dir():
                    shutil.copytree(
                        src,
                        work / dest,
                        dirs_exist_ok=True,
                        ignore=lambda d, names, src=src: [
                            n
                            for n in names
                            if ignored((Path(d) / n).relative_to(REPO).as_posix(), patterns)
                        ],
                    )
                else:
                    target = work / dest
                    if dest.endswith("/") or dest in (".", "./"):
                        target.mkdir(parents=True, exist_ok=True)
                        target = target / src.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, target)
        elif i.keyword == "RUN" and "uv sync" in i.args:
            command = i.args.split("uv sync", 1)[1]
            out = subprocess.run(
                [uv, "sync", *shlex.split(command)],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
            )
            assert out.returncode == 0, out.stderr
    return ctx / "venv"


def test_the_image_environment_migrates_and_runs_every_role(image_venv: Path, pg_url: str):
    """One test, so the environment's modules are compiled once: the entry point migrates
    a fresh database, init containers wait for it, every role's app imports."""
    fresh = asyncio.run(create_database(pg_url, "image"))
    env = {
        **os.environ,
        "PATH": f"{image_venv / 'bin'}:{os.environ['PATH']}",
        "DATABASE_URL": fresh,
        "MES_TOOLS_DIR": str(DOCKER),
        "MES_MIGRATION_WAIT_SECONDS": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    entry = str(DOCKER / "entrypoint.sh")
    waiting = subprocess.run(
        ["sh", entry, "wait-migrations", "trace_service"],
        env=env,
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert waiting.returncode == 1 and "gave up waiting" in waiting.stderr
    migrated = subprocess.run(
        ["sh", entry, "migrate"], env=env, capture_output=True, text=True, cwd="/"
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.count("migrated ") == len(ALL_PACKAGES)
    ready = subprocess.run(
        ["sh", entry, "wait-migrations", *ALL_PACKAGES],
        env=env,
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert ready.returncode == 0, ready.stderr
    assert "schemas at head" in ready.stdout
    python = image_venv / "bin" / "python"
    modules = [f"{s.package}.app" for s in SERVICES] + [
        "gateway.app",
        "servicekit.migrate",
        "mes_cli.backup",
    ]
    probe = (
        "; ".join(f"import {m}" for m in modules)
        + "; from mes_cli.backup import pg_tool; print(pg_tool('pg_dump'))"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert "pginstall/bin/pg_dump" in out.stdout  # pg_dump ships with the image (pgserver)
    # Installed as wheels, not as links into the source tree; no shop-floor GUI.
    site = next(image_venv.glob("lib/python*/site-packages"))
    assert (site / "lot_service" / "migrations" / "env.py").is_file()
    assert not [p for p in site.glob("*.pth") if "/src" in p.read_text()]
    assert not list(site.glob("mes_workstation*")) and not list(site.glob("PyQt5*"))
