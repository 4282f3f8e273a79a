"""Every JSON request body is strict about numbers and booleans (`mes_contracts.strict`):
a service whose routes take a body with a coercing `int`, `float` or `bool` does not start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute
from mes_contracts.strict import lax_scalar_fields


def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        # An included router is kept as one entry (FastAPI ≥ 0.16x) holding the original.
        elif (included := getattr(route, "original_router", None)) is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(included.routes, prefix + getattr(context, "prefix", ""))


def lax_body_fields(app: FastAPI) -> list[str]:
    """`METHOD /path: field` for each coercing scalar of a JSON body (forms arrive as text)."""
    found = []
    for path, route in _api_routes(app.router.routes):
        if route.body_field is None or isinstance(route.body_field.field_info, params.Form):
            continue
        methods = ",".join(sorted(route.methods))
        annotation = route.body_field.field_info.annotation
        found += [f"{methods} {path}: {f}" for f in lax_scalar_fields(annotation)]
    return found


def body_routes(app: FastAPI) -> int:
    """How many routes take a JSON body (the check above must see them)."""
    return sum(
        1
        for _, r in _api_routes(app.router.routes)
        if r.body_field is not None and not isinstance(r.body_field.field_info, params.Form)
    )


def check_strict_bodies(app: FastAPI) -> None:
    if lax := lax_body_fields(app):
        raise RuntimeError(
            "request bodies must be strict (StrictInt, StrictBool, StrictFiniteFloat): "
            + "; ".join(lax)
        )
