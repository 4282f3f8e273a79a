"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)

HTTP_REQUESTS = Counter(
    "mes_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "mes_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_PUBLISHED = Counter("mes_outbox_published_total", "Outbox rows published", ["schema"])
OUTBOX_UNPUBLISHED = Gauge("mes_outbox_unpublished", "Outbox rows waiting (last pass)", ["schema"])
OUTBOX_LAG = Histogram(
    "mes_outbox_publish_lag_seconds",
    "Commit-to-publish delay of the oldest row of a batch",
    ["schema"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_CONSUMED = Counter(
    "mes_events_consumed_total", "Events handled", ["group", "stream", "outcome"]
)
EVENT_LAG = Histogram(
    "mes_event_lag_seconds",
    "Event time to handling time",
    ["group", "stream"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_DEAD_LETTERED = Counter(
    "mes_events_dead_lettered_total", "Events moved to a dead-letter stream", ["group", "stream"]
)
STREAM_PENDING = Gauge(
    "mes_stream_pending_messages", "Messages delivered but not acknowledged", ["group", "stream"]
)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
