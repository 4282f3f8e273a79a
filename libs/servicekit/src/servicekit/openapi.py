"""The contract's error body in the OpenAPI document.

FastAPI documents a `422` with its own `HTTPValidationError` body on every route that
takes input, and nothing else. The services never send that: a validation error is a
`400` and every error (401, 403, 404, 409, 413, 429, 503, …) answers the contract's
`{"status": "error", "message", "error_code", "data"}`. This rewrites the document to
say so, so clients and the API fuzzer (`./mes fuzz api`) check the real answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from mes_contracts.errors import ErrorBody

_REF = "#/components/schemas/{model}"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
_ERROR_RESPONSES = {
    "4XX": "Refused: invalid input (400), not signed in (401), role not allowed (403), "
    "not found (404), conflict with the current state (409), too large (413), "
    "rate limited (429)…",
    "5XX": "Unavailable: a service, the database or a printer (503), upstream timeout (504)",
}


def document_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """Every operation of `doc` may answer 4XX/5XX with `ErrorBody` (idempotent, in place)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template=_REF)
    for name, schema in body.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas["ErrorBody"] = body
    content = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]  # never sent: validation errors are 400 VALIDATION_ERROR
            for status, description in _ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": content})
    others = {k: v for k, v in schemas.items() if k not in _FASTAPI_VALIDATION}
    used = json.dumps([doc.get("paths"), others])
    if not any(f'/{name}"' in used for name in _FASTAPI_VALIDATION):
        for name in _FASTAPI_VALIDATION:
            schemas.pop(name, None)
    return doc


def install(app: FastAPI) -> None:
    """Serve the app's own OpenAPI document with the contract's error responses."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return document_errors(generate())

    app.openapi = openapi  # type: ignore[method-assign]
