"""A service's schema metadata, with the outbox and inbox every service has already in it."""

from __future__ import annotations

from sqlalchemy import MetaData

from .db import schema_metadata
from .inbox import inbox_table
from .outbox import outbox_table


def service_metadata(schema: str) -> MetaData:
    metadata = schema_metadata(schema)
    outbox_table(metadata)
    inbox_table(metadata)
    return metadata
