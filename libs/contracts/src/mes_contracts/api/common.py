"""Shapes shared by list endpoints."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 500
#: OFFSET is a BIGINT in SQL: a larger one is a 400, not a database error.
MAX_OFFSET = 2**63 - 1

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `SuccessBody[Page[LotRead]]`."""

    items: list[T]
    total: int = Field(ge=0, description="Items matching the query, all pages together")
    limit: int = Field(ge=1, le=MAX_PAGE_LIMIT)
    offset: int = Field(ge=0, le=MAX_OFFSET)
