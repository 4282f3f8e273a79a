"""The query parameters of a paged list route (`limit`, `offset`), bounded as the contract
bounds them (mes_contracts.api.common)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from mes_contracts.api.common import MAX_OFFSET, MAX_PAGE_LIMIT

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
