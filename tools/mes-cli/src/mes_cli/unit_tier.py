"""The fast tier (`./mes test --unit`, pytest `--unit`): tests marked `unit`, no servers.

A unit test is a plain function of the product's rules: no PostgreSQL, Redis, stack,
HTTP server or browser. Two guards keep it so (docs/adr/0019-test-tiers.md):
- at collection, in every run: a test marked `unit` that asks for a server fixture is an
  error (`misfiled`);
- under `--unit`: starting a server fails the test (`forbid_servers`): a listening socket
  (a fake printer, moto), uvicorn, the embedded PostgreSQL/Redis, a stack, or a server or
  browser program run as a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterable
from typing import Any

MARK = "unit"
#: Fixtures that start or reach a server (every fixture built on them counts too: pytest's
#: `fixturenames` is the whole closure).
SERVER_FIXTURES = frozenset({"pg_url", "redis_url", "fresh_db_url"})
#: Programs that are servers or browsers.
SERVER_PROGRAMS = frozenset(
    {"postgres", "pg_ctl", "initdb", "redis-server", "chromium", "chromium-browser", "chrome"}
)


class ServerInUnitTier(RuntimeError):
    """A test of the unit tier tried to start a server."""


def misfiled(items: Iterable[Any]) -> list[str]:
    """Node ids of tests marked `unit` that need a server fixture."""
    return [
        item.nodeid
        for item in items
        if item.get_closest_marker(MARK) and SERVER_FIXTURES & set(item.fixturenames)
    ]


def _refuse(what: str) -> None:
    raise ServerInUnitTier(f"the unit tier starts no servers ({what}); not a unit test")


def _program(args: Any) -> str:
    """The basename of the program a Popen call runs."""
    if isinstance(args, str | bytes | os.PathLike):
        parts = os.fsdecode(args).split()
        first = parts[0] if parts else ""
    else:
        listed = list(args)
        first = os.fsdecode(listed[0]) if listed else ""
    return os.path.basename(first)


def forbid_servers() -> None:
    """Make every way a test could start a server fail (for the rest of the process)."""
    import uvicorn

    from mes_cli.infra import EmbeddedPostgres, EmbeddedRedis
    from mes_cli.stack import Stack

    def listen(self: socket.socket, *args: Any) -> None:
        _refuse(f"listen on {self.getsockname()}")

    socket.socket.listen = listen  # type: ignore[method-assign]
    EmbeddedPostgres.start = lambda self: _refuse("embedded PostgreSQL")  # type: ignore[method-assign]
    EmbeddedRedis.start = lambda self: _refuse("embedded Redis")  # type: ignore[method-assign]
    Stack.start = lambda self, *a, **k: _refuse("the stack")  # type: ignore[method-assign]

    async def startup(self: uvicorn.Server, *args: Any, **kwargs: Any) -> None:
        _refuse("uvicorn")  # its uvloop listens in C, past the socket guard

    uvicorn.Server.startup = startup  # type: ignore[method-assign]

    plain_init = subprocess.Popen.__init__

    def popen_init(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> None:
        if not isinstance(args, str | bytes | os.PathLike):
            args = list(args)
        program = _program(kwargs.get("executable") or args)
        if program in SERVER_PROGRAMS or program.startswith(("postgres", "redis-server")):
            _refuse(f"runs {program}")
        plain_init(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]
