"""Render docs/events.md: the human event catalogue, generated from the registry."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from mes_contracts import events as ev
from mes_contracts.catalogue_text import INTRO, RETIRED_INTRO, WIRE_FORMAT, example_event
from mes_contracts.wire import dead_letter_stream

#: stream -> the services consuming it (their consumer groups), from their subscriptions
Consumers = Mapping[str, Sequence[str]]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        target = defs[name]
        if "enum" in target:
            return " | ".join(json.dumps(v) for v in target["enum"])
        return name
    if "anyOf" in prop:
        return " | ".join(_type_of(p, defs) for p in prop["anyOf"])
    if "const" in prop:
        return json.dumps(prop["const"])
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        return f"list[{_type_of(prop.get('items', {}), defs)}]"
    if kind == "object":
        return "object"
    if kind == "string" and "format" in prop:
        return {"date-time": "datetime", "date": "date", "uuid": "uuid"}.get(
            prop["format"], "string"
        )
    return str(kind) if kind else "any"


def _constraints(prop: dict[str, Any]) -> list[str]:
    flat = [prop, *prop.get("anyOf", [])]
    out: list[str] = []
    for part in flat:
        for key, label in (
            ("pattern", "pattern"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minItems", "min items"),
        ):
            if key in part:
                value = f"`{part[key]}`" if key == "pattern" else part[key]
                out.append(f"{label} {value}")
    return out


def _describe(prop: dict[str, Any], required: bool) -> str:
    parts = [prop["description"]] if "description" in prop else []
    if prop.get("format") == "date-time" or any(
        p.get("format") == "date-time" for p in prop.get("anyOf", [])
    ):
        parts.append("ISO 8601 with offset")
    parts += _constraints(prop)
    if not required and "default" in prop:
        parts.append(f"default `{json.dumps(prop['default'], ensure_ascii=False)}`")
    return "; ".join(str(p) for p in parts)


def _field_table(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
    for name, prop in schema.get("properties", {}).items():
        lines.append(
            f"| `{name}` | {_cell(_type_of(prop, defs))} | {'yes' if name in required else 'no'} "
            f"| {_cell(_describe(prop, name in required))} |"
        )
    return lines


def _nested_models(defs: dict[str, Any]) -> list[str]:
    return sorted(name for name, d in defs.items() if d.get("type") == "object")


def example_envelope(type_: str) -> dict[str, Any]:
    """A deterministic example envelope of `type_` (fixed id, time and trace ids)."""
    return json.loads(example_event(type_).to_json())


def _event_section(type_: str, model: type[BaseModel], consumers: Consumers) -> list[str]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    names = ", ".join(consumers.get(type_, ())) or "— (integrators only)"
    doc = inspect.cleandoc(model.__doc__ or "")
    producer = ev.EVENT_PRODUCERS[type_]
    if type_ in ev.RETIRED:
        producer = f"none (was {producer}; now `{ev.RETIRED[type_]}`)"
    lines = [
        f"## `{type_}`",
        "",
        doc,
        "",
        f"- stream: `{type_}` (dead letters: `{dead_letter_stream(type_)}`)",
        f"- version: {ev.EVENT_VERSIONS[type_]} — payload model `{model.__name__}`",
        f"- producer: {producer}",
        f"- consumers: {names}",
        "",
        "### Payload (`data`)",
        "",
        *_field_table(schema, defs),
    ]
    for name in _nested_models(defs):
        lines += ["", f"`{name}`:", "", *_field_table(defs[name], defs)]
    example = json.dumps(example_envelope(type_), indent=2, ensure_ascii=False)
    lines += ["", "### Example envelope", "", "```json", example, "```", ""]
    return lines


def _link(type_: str) -> str:
    return f"[`{type_}`](#{type_.replace('.', '')})"


def render_markdown(consumers: Consumers) -> str:
    lines = [INTRO, "", "## Index", ""]
    lines += ["| stream | v | producer | consumers |", "| --- | --- | --- | --- |"]
    for type_ in ev.PUBLISHED_TYPES:
        names = ", ".join(consumers.get(type_, ())) or "—"
        lines.append(
            f"| {_link(type_)} | {ev.EVENT_VERSIONS[type_]} "
            f"| {ev.EVENT_PRODUCERS[type_]} | {names} |"
        )
    lines += ["", "Retired (read-only, see the end of this page):", ""]
    lines += ["| stream | v | replaced by | still consumed by |", "| --- | --- | --- | --- |"]
    for type_, new in ev.RETIRED.items():
        names = ", ".join(consumers.get(type_, ())) or "—"
        lines.append(f"| {_link(type_)} | {ev.EVENT_VERSIONS[type_]} | {_link(new)} | {names} |")
    lines += ["", WIRE_FORMAT, ""]
    for type_ in ev.PUBLISHED_TYPES:
        lines += _event_section(type_, ev.EVENT_TYPES[type_], consumers)
    lines += [RETIRED_INTRO, ""]
    lines += [f"- {_link(old)} → {_link(new)}" for old, new in ev.RETIRED.items()]
    lines.append("")
    for type_ in ev.RETIRED:
        lines += _event_section(type_, ev.EVENT_TYPES[type_], consumers)
    return "\n".join(lines).rstrip() + "\n"
