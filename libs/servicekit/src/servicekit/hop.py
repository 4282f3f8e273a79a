"""The gateway → service hop: the client's address travels signed.

Services listen where other local processes (or pods) can reach them, so a forwarding
header from "a trusted network" proves nothing. The gateway sends the client address it
resolved in `X-Mes-Client-Ip` and `X-Mes-Hop`, an HMAC-SHA256 over the address and the
request id under the key shared by the gateway and the services (`MES_INTERNAL_HOP_KEY`).
A service believes that address only when the signature checks; anyone else is recorded
with the address they connect from.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

CLIENT_HEADER = "x-mes-client-ip"
SIGNATURE_HEADER = "x-mes-hop"
MIN_KEY_LENGTH = 32


class HopKey:
    def __init__(self, key: str) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"the internal hop key needs at least {MIN_KEY_LENGTH} characters")
        self._key = key.encode()

    def _mac(self, address: str, request_id: str) -> str:
        message = f"{address}\n{request_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def headers(self, address: str, request_id: str) -> dict[str, str]:
        """What the gateway adds to a proxied request."""
        return {CLIENT_HEADER: address, SIGNATURE_HEADER: self._mac(address, request_id)}

    def client(self, headers: Mapping[str, str], request_id: str) -> str | None:
        """The signed client address, or None if absent or not signed with our key."""
        address, signature = headers.get(CLIENT_HEADER), headers.get(SIGNATURE_HEADER)
        if not address or not signature:
            return None
        expected = self._mac(address, request_id).encode()
        # Bytes: compare_digest refuses non-ASCII str, and a header may hold any latin-1.
        return address if hmac.compare_digest(signature.encode("latin-1"), expected) else None
