"""One OpenAPI document at the gateway covering every service's routes."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from servicekit.openapi import document_errors

from .servicemap import ServiceMap

CACHE_SECONDS = 60


class CombinedOpenApi:
    def __init__(self, app: FastAPI, services: ServiceMap) -> None:
        self.app = app
        self.services = services
        self._cached: dict[str, Any] | None = None
        self._cached_at = 0.0

    async def document(self) -> dict[str, Any]:
        if self._cached and time.monotonic() - self._cached_at < CACHE_SECONDS:
            return self._cached
        doc = get_openapi(
            title="Withforce MES API",
            version="1.0.0",
            routes=self.app.routes,
            description="Every route of every service, through the gateway.",
        )
        paths = doc.setdefault("paths", {})
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        missing = []
        async with httpx.AsyncClient(timeout=3) as client:
            for name, base in self.services.internal_urls().items():
                try:
                    part = (await client.get(base + "/openapi.json")).json()
                except (httpx.HTTPError, ValueError):
                    missing.append(name)
                    continue
                for path, item in part.get("paths", {}).items():
                    for operation in item.values():
                        operation.setdefault("tags", []).append(name)
                    paths.setdefault(path, item)
                for schema_name, schema in part.get("components", {}).get("schemas", {}).items():
                    schemas.setdefault(schema_name, schema)
        doc["components"]["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        doc["security"] = [{"bearerAuth": []}]
        document_errors(doc)
        if missing:
            doc["info"]["x-unavailable-services"] = missing
        else:
            self._cached, self._cached_at = doc, time.monotonic()
        return doc
