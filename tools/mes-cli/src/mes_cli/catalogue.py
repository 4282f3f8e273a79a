"""Generate (or check) the event catalogue: docs/events.md and docs/asyncapi.json.

    uv run python -m mes_cli.catalogue            # write both files
    uv run python -m mes_cli.catalogue --check    # exit 1 if either is stale

Event types, payloads and producers come from `libs/contracts`; the consumers of each
stream from what every service declares and wires (`<package>.subscriptions.SUBSCRIPTIONS`,
the services of the launcher's `SERVICES` and the gateway), so the catalogue names
exactly the consumer groups the running system creates.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from mes_contracts import catalogue
from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

from .stack import GATEWAY, SERVICES


def subscriptions() -> list[Subscriptions]:
    """Every service's declared subscriptions, in launcher order."""
    found = []
    for spec in (*SERVICES, GATEWAY):
        declared = importlib.import_module(f"{spec.package}.subscriptions").SUBSCRIPTIONS
        if declared.service != spec.name:
            raise ValueError(f"{spec.package}.subscriptions names {declared.service!r}")
        found.append(declared)
    return found


def consumers() -> dict[str, tuple[str, ...]]:
    """stream → the services consuming it (sorted)."""
    subs = subscriptions()
    return {
        stream: tuple(sorted(s.service for s in subs if stream in s.handlers))
        for stream in ev.ALL_STREAMS
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mes_cli.catalogue", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    parser.add_argument("--docs-dir", type=Path, default=None, help="default: <repo>/docs")
    args = parser.parse_args(argv)
    docs_dir: Path = args.docs_dir or catalogue.default_docs_dir()
    by_stream = consumers()
    if args.check:
        stale = catalogue.stale_files(docs_dir, by_stream)
        for path in stale:
            print(f"stale: {path} (run uv run python -m mes_cli.catalogue)", file=sys.stderr)
        return 1 if stale else 0
    docs_dir.mkdir(parents=True, exist_ok=True)
    for path, text in catalogue.rendered(docs_dir, by_stream).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
