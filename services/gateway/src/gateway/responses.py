"""The success body of the gateway's own routes."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse


def answer(message: str, data: Any, status_code: int = 200) -> JSONResponse:
    """The body as FastAPI would encode it: the route's `response_model` documents it
    without re-serialising it (ADR 0021)."""
    body = {"status": "success", "message": message, "data": data}
    return JSONResponse(jsonable_encoder(body), status_code=status_code)
