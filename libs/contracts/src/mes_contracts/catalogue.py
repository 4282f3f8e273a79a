"""Generate (or check) the event catalogue: docs/events.md and docs/asyncapi.json.

    python -m mes_contracts.catalogue            # write both files
    python -m mes_contracts.catalogue --check    # exit 1 if either is stale

The AsyncAPI 3.0 document is produced by FastStream: one `RedisBroker` publisher per
stream, whose message schema is the typed envelope (`ENVELOPE_MODELS`), so the
document describes exactly what sits in an entry's `__data__` field.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from mes_contracts import events as ev
from mes_contracts.catalogue_markdown import example_envelope, render_markdown

ASYNCAPI_TITLE = "Withforce MES events"
ASYNCAPI_VERSION = "1.0.0"
ASYNCAPI_DESCRIPTION = (
    "Production events of the Withforce MES on Redis Streams. One stream per event type "
    "(stream name = event type). Each entry has one field `__data__` holding the envelope "
    "JSON (UTF-8); `id` is the idempotency key. Consumer group = consuming service name; "
    "failing entries move to `<stream>.dlq`. Human catalogue: docs/events.md."
)
MD_NAME = "events.md"
ASYNCAPI_NAME = "asyncapi.json"


def default_docs_dir() -> Path:
    """`<repo>/docs` (src/mes_contracts → contracts → libs → repo)."""
    return Path(__file__).resolve().parents[4] / "docs"


def _description(type_: str) -> str:
    model = ev.EVENT_TYPES[type_]
    doc = " ".join((model.__doc__ or "").split())
    consumers = ", ".join(ev.EVENT_CONSUMERS[type_]) or "integrators only"
    return (
        f"{doc} Payload v{ev.EVENT_VERSIONS[type_]}. Producer: {ev.EVENT_PRODUCERS[type_]}. "
        f"Consumers: {consumers}."
    )


def build_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a JSON-ready dict."""
    broker = RedisBroker("redis://localhost:6379", description="Redis Streams")
    for type_ in ev.ALL_STREAMS:
        broker.publisher(
            stream=type_,
            schema=ev.ENVELOPE_MODELS[type_],
            title=type_,
            description=_description(type_),
        )
    spec = AsyncAPI(
        broker,
        title=ASYNCAPI_TITLE,
        version=ASYNCAPI_VERSION,
        description=ASYNCAPI_DESCRIPTION,
        schema_version="3.0.0",
    ).to_specification()
    doc: dict[str, Any] = spec.to_jsonable()
    components = doc.setdefault("components", {})
    for key, message in components.get("messages", {}).items():
        type_ = key.split(":", 1)[0]
        if type_ in ev.EVENT_TYPES:
            message["examples"] = [{"name": type_, "payload": example_envelope(type_)}]
    return _stable(doc)


def _by_stream(key: str) -> tuple[int, str]:
    type_ = key.split(":", 1)[0]
    index = ev.ALL_STREAMS.index(type_) if type_ in ev.ALL_STREAMS else len(ev.ALL_STREAMS)
    return index, key


def _stable(doc: dict[str, Any]) -> dict[str, Any]:
    """Order channels/operations/messages by catalogue order and schemas by name:
    FastStream's own order depends on hashing, which differs from run to run."""
    for section in ("channels", "operations"):
        if section in doc:
            doc[section] = {k: doc[section][k] for k in sorted(doc[section], key=_by_stream)}
    components = doc["components"]
    if "messages" in components:
        messages = components["messages"]
        components["messages"] = {k: messages[k] for k in sorted(messages, key=_by_stream)}
    if "schemas" in components:
        components["schemas"] = dict(sorted(components["schemas"].items()))
    return doc


def render_asyncapi() -> str:
    return json.dumps(build_asyncapi(), indent=2, ensure_ascii=False) + "\n"


def rendered(docs_dir: Path) -> dict[Path, str]:
    return {docs_dir / MD_NAME: render_markdown(), docs_dir / ASYNCAPI_NAME: render_asyncapi()}


def stale_files(docs_dir: Path) -> list[Path]:
    """Files that differ from what would be generated (missing ones included)."""
    return [
        path
        for path, text in rendered(docs_dir).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mes_contracts.catalogue", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    parser.add_argument("--docs-dir", type=Path, default=None, help="default: <repo>/docs")
    args = parser.parse_args(argv)
    docs_dir: Path = args.docs_dir or default_docs_dir()
    if args.check:
        stale = stale_files(docs_dir)
        for path in stale:
            print(f"stale: {path} (run python -m mes_contracts.catalogue)", file=sys.stderr)
        return 1 if stale else 0
    docs_dir.mkdir(parents=True, exist_ok=True)
    for path, text in rendered(docs_dir).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
