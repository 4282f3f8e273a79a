"""What a service consumes, declared once as data (`<package>.subscriptions.SUBSCRIPTIONS`):
the service's app wires exactly these handlers, and the event catalogue lists exactly these
consumers (`python -m mes_cli.catalogue`), so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from mes_contracts.events import EVENT_TYPES

from .streams import EventHandler


class Registry(Protocol):
    def add(self, stream: str, handler: EventHandler) -> None: ...


@dataclass(frozen=True)
class Subscriptions:
    """`service` (its consumer group) handles each stream with the named method (or
    function) of the object handed to `wire`."""

    service: str
    handlers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.handlers) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"{self.service} subscribes to unknown streams: {unknown}")
        object.__setattr__(self, "handlers", MappingProxyType(dict(self.handlers)))

    @classmethod
    def all_to(cls, service: str, streams: Iterable[str], handler: str) -> Subscriptions:
        """One handler for several streams (a projector, the audit trail)."""
        return cls(service, dict.fromkeys(streams, handler))

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.handlers)

    def wire(self, consumers: Registry, target: object) -> None:
        """Register every handler (a missing method fails here, at start-up)."""
        for stream, name in self.handlers.items():
            consumers.add(stream, getattr(target, name))
