"""Turn pydantic validation errors into contract errors (`MesError`).

A missing or null required field → MISSING_REQUIRED_FIELD naming the full dotted path of
the first one (`process_data.tof_sensor`) and listing all of them; anything else → the
given code (VALIDATION_ERROR by default) naming the first offending field. Usable for
FastAPI's `RequestValidationError.errors()` too (its leading "body"/"query" is dropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from mes_contracts.errors import ErrorCode, MesError

_REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})
#: Custom pydantic error types (PydanticCustomError) that map to their own code.
CUSTOM_ERROR_CODES: dict[str, ErrorCode] = {
    "reason_required": ErrorCode.REASON_REQUIRED,
    "invalid_firmware_version": ErrorCode.INVALID_FIRMWARE_VERSION,
}
_MAX_INPUT_REPR = 120


def format_loc(loc: Sequence[str | int], prefix: str = "") -> str:
    """`("temp_sensor", "result")` → `temp_sensor.result`; ints become `[i]`."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _is_missing(error: Mapping[str, Any]) -> bool:
    if error["type"] in CUSTOM_ERROR_CODES:
        return False
    return error["type"] == "missing" or ("input" in error and error["input"] is None)


def _describe(error: Mapping[str, Any], field: str) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "type": error["type"], "message": error["msg"]}
    if "input" in error and not isinstance(error["input"], dict | list):
        item["input"] = repr(error["input"])[:_MAX_INPUT_REPR]
    return item


def mes_error_from_validation(
    exc: ValidationError | Iterable[Mapping[str, Any]],
    *,
    prefix: str = "",
    code: ErrorCode = ErrorCode.VALIDATION_ERROR,
    context: Mapping[str, Any] | None = None,
) -> MesError:
    """The MesError for a failed validation (see module doc). `context` joins `data`."""
    raw = exc.errors(include_url=False) if isinstance(exc, ValidationError) else list(exc)
    errors: list[tuple[str, Mapping[str, Any]]] = []
    for error in raw:
        loc = list(error.get("loc", ()))
        if loc and loc[0] in _REQUEST_PARTS:
            loc = loc[1:]
        errors.append((format_loc(loc, prefix) or "body", error))
    if not errors:
        return MesError(code, data=dict(context or {}))

    missing = [field for field, error in errors if _is_missing(error)]
    if missing:
        data = {"field": missing[0], "missing_fields": missing, **(context or {})}
        return MesError(ErrorCode.MISSING_REQUIRED_FIELD, data=data, detail=", ".join(missing))

    field, first = errors[0]
    specific = CUSTOM_ERROR_CODES.get(first["type"], code)
    data = {
        "field": field,
        "errors": [_describe(error, f) for f, error in errors],
        **(context or {}),
    }
    return MesError(specific, data=data, detail=f"{field}: {first['msg']}")
