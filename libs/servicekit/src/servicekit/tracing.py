"""OpenTelemetry tracing; the W3C trace context rides in each event's `traceparent`."""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()


def configure_tracing(service_name: str, *, console: bool = False) -> None:
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    # Spans are only recorded when something exports them. Unrecorded spans still carry
    # trace and span ids, so logs and events keep their `traceparent`; recording them for
    # nobody cost a few percent of every service's CPU.
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ALWAYS_ON if console else ALWAYS_OFF,
    )
    if console:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


def tracer(name: str = "mes") -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context:
    if not traceparent:
        return otel_context.Context()
    return _propagator.extract({"traceparent": traceparent})


def context_from_headers(headers: dict[str, str]) -> otel_context.Context:
    return _propagator.extract(headers)
