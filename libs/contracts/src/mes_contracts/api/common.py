"""Shapes shared by list endpoints."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from mes_contracts.limits import DEFAULT_PAGE_LIMIT, MAX_OFFSET, MAX_PAGE_LIMIT

__all__ = ["DEFAULT_PAGE_LIMIT", "MAX_OFFSET", "MAX_PAGE_LIMIT", "Page"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `SuccessBody[Page[LotRead]]`."""

    items: list[T]
    total: int = Field(ge=0, description="Items matching the query, all pages together")
    limit: int = Field(ge=1, le=MAX_PAGE_LIMIT)
    offset: int = Field(ge=0, le=MAX_OFFSET)
