"""A station PC installs no server stack: mes-workstation (with any of its extras) and
mes-contracts pull in neither FastStream nor the services' libraries (serial labels come
from mes-label-drivers, not label-service), and every module of the station app imports
with FastStream unavailable."""

from __future__ import annotations

import importlib.metadata as metadata
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SERVER_STACK = {
    "faststream",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "asyncpg",
    "redis",
    "alembic",
    "mes-servicekit",
    "label-service",
    "zplkit",  # label-service's PNG preview
    "fonttools",
}


def closure(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """Every distribution `name[extras]` requires on this platform, transitively."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    todo = [(canonicalize_name(name), extras)]
    while todo:
        dist, wanted = todo.pop()
        if (dist, wanted) in seen:
            continue
        seen.add((dist, wanted))
        found.add(dist)
        for line in metadata.requires(dist) or []:
            req = Requirement(line)
            markers = [{"extra": e} for e in wanted or {""}]
            if req.marker is None or any(req.marker.evaluate(m) for m in markers):
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return found


def test_the_station_app_pulls_in_no_server_stack() -> None:
    station = closure("mes-workstation")
    assert {"mes-contracts", "pydantic", "mes-label-drivers", "pyserial"} <= station
    assert station & SERVER_STACK == set()
    extras = frozenset(metadata.metadata("mes-workstation").get_all("Provides-Extra") or [])
    assert closure("mes-workstation", extras) & SERVER_STACK == set()
    # FastStream comes only with the catalogue generator's extra.
    assert "faststream" not in closure("mes-contracts")
    assert "faststream" in closure("mes-contracts", frozenset({"catalogue"}))


def test_the_station_app_imports_without_faststream() -> None:
    """In a fresh interpreter where `import faststream` fails, as on a station PC."""
    code = """
import importlib, pkgutil, sys
sys.modules["faststream"] = None  # any import of it now raises ImportError
import mes_contracts, mes_workstation
names = [m.name for m in pkgutil.walk_packages(mes_workstation.__path__, "mes_workstation.")]
names += [m.name for m in pkgutil.walk_packages(mes_contracts.__path__, "mes_contracts.")
          if m.name != "mes_contracts.catalogue"]  # the generator: needs the extra
for name in names:
    importlib.import_module(name)
assert not any(n.split(".")[0] == "faststream" for n in sys.modules if sys.modules[n])
print(len(names))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 20
