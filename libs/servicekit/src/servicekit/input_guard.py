"""Every request's text is well-formed before any route sees it: one check for every
service and the gateway (installed by `create_service_app`).

- A JSON body (media type `application/json`, `application/*+json`, or none: label print
  reads a body without one as JSON) must be strict UTF-8 (no overlong forms, no encoded
  surrogates), standard JSON (no `NaN`/`Infinity`) and nested at most `MAX_JSON_DEPTH`
  deep, or the answer is 400 MALFORMED_BODY saying why and where.
- No key or string in it may hold a lone UTF-16 surrogate (`"\\ud800"`) or NUL: valid JSON,
  but no PostgreSQL text or jsonb column can store it (that was a 500). 400 VALIDATION_ERROR
  naming the field.
- The path and every query parameter, percent-decoded, must be UTF-8 without NUL
  (400 VALIDATION_ERROR; uvicorn would turn invalid bytes into U+FFFD silently).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.limits import MAX_JSON_DEPTH
from mes_contracts.validation import format_loc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .http import send_error

# Characters no PostgreSQL text can hold: NUL, and UTF-16 surrogates (a JSON string can
# only carry them unpaired: json.loads joins a valid pair into one character).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAX_FIELD_CHARS = 200


class _NotJsonNumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJsonNumber(f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):  # 1e400: no column or jsonb holds it
        raise _NotJsonNumber(f"{literal[:40]} is out of range")
    return value


def _malformed(reason: str, **data: Any) -> MesError:
    return MesError(ErrorCode.MALFORMED_BODY, data={"reason": reason, **data}, detail=reason)


def _too_deep(max_depth: int) -> MesError:
    return _malformed(f"nested deeper than {max_depth} levels", max_depth=max_depth)


def _shown(text: str) -> str:
    """`text` safe to put in an answer: surrogates and NUL as escapes, cut short."""
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return shown[:_MAX_FIELD_CHARS]


def _character(found: str) -> str:
    return "NUL character" if found == "\x00" else f"lone surrogate U+{ord(found):04X}"


def unstorable_text(field: str, found: str, location: str) -> MesError:
    reason = _character(found)
    return MesError(
        ErrorCode.VALIDATION_ERROR,
        data={"field": field, "location": location, "reason": reason},
        detail=f"{field}: {reason}",
    )


def _unstorable_at(path: tuple[str | int, ...], found: str) -> MesError:
    shown = [_shown(part) if isinstance(part, str) else part for part in path]
    return unstorable_text(format_loc(shown) or "body", found, "body")


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and unstorable characters, without recursion (the tree may be deep)."""
    if isinstance(value, str):
        if match := _UNSTORABLE.search(value):
            raise _unstorable_at((), match.group())
        return
    stack: list[tuple[Any, tuple[str | int, ...], int]] = []
    if isinstance(value, dict | list):
        stack.append((value, (), 1))
    while stack:
        node, path, depth = stack.pop()
        if depth > max_depth:
            raise _too_deep(max_depth)
        items: Iterable[tuple[Any, Any]] = (
            node.items() if isinstance(node, dict) else enumerate(node)
        )
        for key, child in items:
            if isinstance(key, str) and (match := _UNSTORABLE.search(key)):
                raise _unstorable_at((*path, key), match.group())
            if isinstance(child, str):
                if match := _UNSTORABLE.search(child):
                    raise _unstorable_at((*path, key), match.group())
            elif isinstance(child, dict | list):
                stack.append((child, (*path, key), depth + 1))


def decode_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`raw` as JSON, or the MesError the module doc describes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(f"invalid UTF-8 at byte {exc.start}", byte=exc.start) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise _malformed(f"not JSON: {exc.msg}", position=exc.pos) from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    except _NotJsonNumber as exc:
        raise _malformed(str(exc)) from None
    except ValueError:  # Python's int limit: more than 4300 digits
        raise _malformed("a number with too many digits") from None
    _check_tree(value, max_depth)
    return value


def _decoded(raw: bytes, field: str, location: str) -> MesError | None:
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return MesError(
            ErrorCode.VALIDATION_ERROR,
            data={"field": field, "location": location, "reason": "invalid UTF-8"},
            detail=f"{field}: invalid UTF-8 (percent-encoded)",
        )
    if "\x00" in text:
        return unstorable_text(field, "\x00", location)
    return None


def url_error(scope: Scope) -> MesError | None:
    """The MesError for a path or query string that is not NUL-free UTF-8, else None."""
    raw_path = scope.get("raw_path")
    if raw_path is None:  # an ASGI server that only gives the decoded path
        if match := _UNSTORABLE.search(scope["path"]):
            return unstorable_text("path", match.group(), "path")
    elif error := _decoded(raw_path.partition(b"?")[0], "path", "path"):  # some put the query in
        return error
    query: bytes = scope.get("query_string", b"")
    for part in query.split(b"&") if query else ():
        name, _, value = part.replace(b"+", b" ").partition(b"=")
        shown = unquote_to_bytes(name).decode("utf-8", "replace")[:_MAX_FIELD_CHARS]
        error = _decoded(name, shown, "query") or _decoded(value, shown, "query")
        if error:
            return error
    return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class InputGuardMiddleware:
    """Refuses malformed URLs and JSON bodies (module doc) before the app runs. A JSON body
    is read whole (the body limit of the request-context middleware still applies) and
    handed on unchanged."""

    def __init__(
        self, app: ASGIApp, *, max_json_bytes: int, max_depth: int = MAX_JSON_DEPTH
    ) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if error := url_error(scope):
            await send_error(send, error)
            return
        content_type = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), None
        )
        if not _is_json(content_type):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_json_bytes:  # paths with a larger limit take files, not JSON
                limit = {"limit_bytes": self.max_json_bytes}
                await send_error(send, MesError(ErrorCode.PAYLOAD_TOO_LARGE, data=limit))
                return
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            try:
                decode_json(body, max_depth=self.max_depth)
            except MesError as error:
                await send_error(send, error)
                return
        first: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([first], None, receive), send)


def _replay(messages: list[Message], last: Message | None, receive: Receive) -> Receive:
    queue = [*messages, *([last] if last else [])]

    async def replay() -> Message:
        return queue.pop(0) if queue else await receive()

    return replay
