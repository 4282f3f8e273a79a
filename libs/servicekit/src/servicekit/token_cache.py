"""Verified access tokens, remembered until they expire (ADR 0013).

Checking an Ed25519 signature and the claims costs about 0.2 ms of CPU; the same token
comes back on every request of its 15 minutes. The cache is keyed by the raw token (the
same string is the same signature over the same claims), holds only what the signature
check proved, and forgets a token at its `exp`. Revocation is not cached: the caller still
asks Redis on every request (servicekit.token_state).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_SIZE = 10_000


class VerifiedTokens:
    """A bounded LRU of token → claims, each entry valid while `now < exp`."""

    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, Mapping[str, Any]]] = OrderedDict()

    def get(self, token: str) -> Mapping[str, Any] | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires, claims = entry
        if self.clock() >= expires:  # PyJWT: expired when exp <= now
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return claims

    def put(self, token: str, claims: Mapping[str, Any]) -> None:
        if self.size <= 0:
            return
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return
        self._entries[token] = (float(exp), claims)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
