"""Which internal service answers which public path."""

from __future__ import annotations

import re

from .settings import GatewaySettings

#: Paths answered by another service than their prefix says. A LOT's close is decided
#: where starts are, under the same lock (ADR 0025).
EXCEPTIONS = ((re.compile(r"/api/v1/lots/[^/]+/close"), "process-service"),)


class ServiceMap:
    def __init__(self, settings: GatewaySettings) -> None:
        self._urls = {
            "lot-service": settings.lot_service_url,
            "process-service": settings.process_service_url,
            "label-service": settings.label_service_url,
            "firmware-service": settings.firmware_service_url,
            "trace-service": settings.trace_service_url,
        }
        prefixes = [
            ("/api/v1/lots", "lot-service"),
            ("/api/v1/serials", "lot-service"),
            ("/api/v1/products", "lot-service"),
            ("/api/v1/process", "process-service"),
            ("/api/v1/ncr", "process-service"),
            ("/api/v1/label", "label-service"),
            ("/api/v1/printers", "label-service"),
            ("/api/v1/firmware", "firmware-service"),
            ("/api/v1/trace", "trace-service"),
            ("/api/v1/dashboard", "trace-service"),
            ("/api/v1/alerts", "trace-service"),
            ("/api/v1/quality", "trace-service"),
        ]
        # Longest prefix first.
        self._prefixes = sorted(prefixes, key=lambda p: len(p[0]), reverse=True)

    def internal_urls(self) -> dict[str, str]:
        return dict(self._urls)

    def resolve(self, path: str) -> tuple[str, str] | None:
        """(service name, base URL) for a public path, or None."""
        for pattern, service in EXCEPTIONS:
            if pattern.fullmatch(path):
                return service, self._urls[service]
        for prefix, service in self._prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return service, self._urls[service]
        return None
