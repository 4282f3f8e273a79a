"""Base class of every event payload."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """Payload (`Envelope.data`) of one event type at one version.

    Consumers ignore fields they do not know (a producer may add optional fields within
    a version); `make_event` forbids them, so a producer's typo fails loudly. A change
    that removes, renames or retypes a field is a new version.
    """

    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1

    def event_subject(self) -> str | None:
        """Default envelope subject: the LOT, serial or entity the event is about."""
        return getattr(self, "lot_number", None)
