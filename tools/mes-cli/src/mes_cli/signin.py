"""A signed-in user for httpx clients that live longer than an access token (test fixtures,
the demo, tools): the token is renewed with the refresh token shortly before it expires and
again when an answer says TOKEN_EXPIRED; if the refresh is refused, it signs in again.
Nothing here depends on how fast the caller runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from typing import Any

import httpx

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


def _error_code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("error_code")
    except ValueError:
        return None


class TokenAuth(httpx.Auth):
    """Bearer token of one account for sync httpx clients (thread-safe: one renewal at a
    time, so a rotated refresh token is never presented twice). A request that carries an
    Authorization header of the caller's own choosing is sent as it is."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        renew_after: float = 0.8,  # fraction of the token's lifetime
        timeout: float = 30.0,
    ) -> None:
        self.username, self.password = username, password
        self.renew_after = renew_after
        self._http = httpx.Client(base_url=base_url, timeout=timeout)
        self._lock = threading.Lock()
        self._issued: set[str] = set()
        self._clients: list[httpx.Client] = []
        self.sign_ins = 0
        self.refreshes = 0
        self.data: dict[str, Any] = self._sign_in()

    # -- tokens ------------------------------------------------------------------------
    def token(self) -> str:
        """A current access token (renewed first when it is due)."""
        with self._lock:
            if time.monotonic() >= self._renew_at:
                self._renew()
            return self._access

    def _expired(self, stale: str) -> str:
        """The MES said `stale` has expired: renew it unless another thread already did."""
        with self._lock:
            if self._access == stale:
                self._renew()
            return self._access

    def _sign_in(self) -> dict[str, Any]:
        r = self._http.post(LOGIN, json={"username": self.username, "password": self.password})
        if r.status_code != 200:
            raise RuntimeError(f"sign-in as {self.username}: {r.status_code} {r.text[:300]}")
        self.sign_ins += 1
        return self._take(r.json()["data"])

    def _renew(self) -> None:
        r = self._http.post(REFRESH, json={"refresh_token": self._refresh})
        if r.status_code == 200:
            self.refreshes += 1
            self._take(r.json()["data"])
        else:  # refresh family revoked or expired: start a new one
            self._sign_in()

    def _take(self, data: dict[str, Any]) -> dict[str, Any]:
        self._access, self._refresh = data["access_token"], data["refresh_token"]
        self._renew_at = time.monotonic() + float(data["expires_in"]) * self.renew_after
        self._issued.add(self._access)
        for client in self._clients:
            client.headers["Authorization"] = f"Bearer {self._access}"
        if "user" in data:
            self.data = data
        return data

    # -- httpx -------------------------------------------------------------------------
    def attach(self, client: httpx.Client) -> httpx.Client:
        """Sign `client`'s requests; its default Authorization header follows renewals."""
        client.auth = self
        client.headers["Authorization"] = f"Bearer {self._access}"
        self._clients.append(client)
        return client

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ")
        if sent and sent not in self._issued:
            yield request
            return
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            response.read()
            if _error_code(response) == "TOKEN_EXPIRED":
                request.headers["Authorization"] = f"Bearer {self._expired(token)}"
                yield request

    async def async_auth_flow(self, request: httpx.Request) -> Any:  # pragma: no cover
        raise NotImplementedError("TokenAuth signs sync httpx clients")
        yield request

    def close(self) -> None:
        self._http.close()


def signed_in(base_url: str, username: str, password: str, **client: Any) -> httpx.Client:
    """An httpx client signed in as `username`, its token kept current (`client.auth`)."""
    auth = TokenAuth(base_url, username, password)
    return auth.attach(httpx.Client(base_url=base_url, timeout=30, **client))
