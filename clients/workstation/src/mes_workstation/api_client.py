"""The gateway, as the workstation uses it: sign-in, quiet token refresh, typed errors.

Thread-safe: the scan handler, the queue replayer, firmware sync and label polling share
one client. The access token is refreshed shortly before it expires and once more when a
call answers 401 TOKEN_EXPIRED; only the newest refresh token is kept (the gateway
revokes the whole family when an old one is reused).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
from mes_contracts.errors import ErrorCode

#: Answers that mean "not now" rather than "no": the caller queues and retries.
TRANSIENT_STATUS = frozenset({408, 429, 502, 503, 504})
_REFRESHABLE = frozenset({ErrorCode.TOKEN_EXPIRED.value, ErrorCode.UNAUTHORIZED.value})


class ApiError(Exception):
    """The MES answered with an error body: `error_code`, `message`, `data`."""

    def __init__(self, status_code: int, error_code: str, message: str, data: Any) -> None:
        super().__init__(f"{status_code} {error_code}: {message}")
        self.status_code = status_code
        self.error_code = error_code
        self.message = message
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    @property
    def code(self) -> ErrorCode | None:
        try:
            return ErrorCode(self.error_code)
        except ValueError:
            return None

    def body(self) -> dict[str, Any]:
        return {
            "status": "error",
            "status_code": self.status_code,
            "error_code": self.error_code,
            "message": self.message,
            "data": self.data,
        }


class OfflineError(Exception):
    """The gateway could not be reached, or answered "try later" (502/503/504/429)."""

    def __init__(self, reason: str, error: ApiError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


class NotSignedInError(ApiError):
    """No valid session: the worker has to sign in again. Queued work is kept."""

    def __init__(self, cause: ApiError | None = None) -> None:
        code = cause.error_code if cause else ErrorCode.UNAUTHORIZED.value
        super().__init__(401, code, cause.message if cause else "not signed in", {})


@dataclass
class _Tokens:
    access: str
    refresh: str
    expires_at: float  # time.monotonic()


def error_from_response(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error_code"):
        return ApiError(
            response.status_code,
            str(body["error_code"]),
            str(body.get("message") or ""),
            body.get("data") or {},
        )
    code = {
        401: ErrorCode.UNAUTHORIZED,
        403: ErrorCode.FORBIDDEN,
        404: ErrorCode.NOT_FOUND,
        429: ErrorCode.RATE_LIMITED,
        502: ErrorCode.SERVICE_UNAVAILABLE,
        503: ErrorCode.SERVICE_UNAVAILABLE,
        504: ErrorCode.UPSTREAM_TIMEOUT,
    }.get(response.status_code, ErrorCode.INTERNAL_ERROR)
    return ApiError(response.status_code, code.value, response.text[:500], {})


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        station_id: str | None = None,
        timeout: float = 10.0,
        refresh_margin: float = 60.0,
    ) -> None:
        headers = {"X-Station-Id": station_id} if station_id else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)
        self.refresh_margin = refresh_margin
        self.user: dict[str, Any] | None = None
        self._tokens: _Tokens | None = None
        self._lock = threading.Lock()

    # -- session ---------------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self._tokens is not None

    @property
    def worker_id(self) -> str | None:
        return (self.user or {}).get("worker_id")

    def _take(self, data: dict[str, Any]) -> None:
        self._tokens = _Tokens(
            data["access_token"],
            data["refresh_token"],
            time.monotonic() + float(data.get("expires_in") or 900),
        )
        self.user = data.get("user") or self.user

    def login(self, username: str, password: str) -> dict[str, Any]:
        data = self._send(
            "POST",
            "/api/v1/auth/login",
            None,
            {"json": {"username": username, "password": password}},
        ).json()["data"]
        with self._lock:
            self._take(data)
        return self.user or {}

    def logout(self) -> None:
        tokens = self._tokens
        if tokens is None:
            return
        try:
            self._send(
                "POST",
                "/api/v1/auth/logout",
                tokens.access,
                {"json": {"refresh_token": tokens.refresh}},
            )
        except (ApiError, OfflineError):
            pass  # signing out locally matters more than telling the server
        finally:
            with self._lock:
                self._tokens, self.user = None, None

    def _refresh_locked(self, stale_access: str | None) -> str:
        """A fresh access token; skips the refresh when another thread already did it."""
        tokens = self._tokens
        if tokens is None:
            raise NotSignedInError()
        if stale_access is not None and tokens.access != stale_access:
            return tokens.access
        try:
            answer = self._send(
                "POST", "/api/v1/auth/refresh", None, {"json": {"refresh_token": tokens.refresh}}
            )
        except ApiError as exc:
            self._tokens = None  # refresh refused: the worker must sign in again
            raise NotSignedInError(exc) from exc
        self._take(answer.json()["data"])
        assert self._tokens is not None
        return self._tokens.access

    def _access_token(self) -> str:
        with self._lock:
            tokens = self._tokens
            if tokens is None:
                raise NotSignedInError()
            if time.monotonic() < tokens.expires_at - self.refresh_margin:
                return tokens.access
            return self._refresh_locked(tokens.access)

    # -- requests --------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        token: str | None,
        kwargs: dict[str, Any],
        stream: bool = False,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            request = self.http.build_request(method, path, headers=headers, **kwargs)
            response = self.http.send(request, stream=stream)
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code < 400:
            return response
        if stream:
            response.read()
            response.close()
        error = error_from_response(response)
        if response.status_code in TRANSIENT_STATUS:
            raise OfflineError(f"{error.status_code} {error.error_code}", error)
        raise error

    def request(
        self, method: str, path: str, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """An authenticated call; raises ApiError, OfflineError or NotSignedInError."""
        token = self._access_token()
        try:
            return self._send(method, path, token, dict(kwargs), stream)
        except ApiError as exc:
            if exc.status_code != 401:
                raise
            if exc.error_code not in _REFRESHABLE:
                self._signed_out(exc)
        with self._lock:
            token = self._refresh_locked(token)
        try:
            return self._send(method, path, token, dict(kwargs), stream)
        except ApiError as exc:
            if exc.status_code == 401:
                self._signed_out(exc)
            raise

    def _signed_out(self, cause: ApiError) -> NoReturn:
        with self._lock:
            self._tokens = None
        raise NotSignedInError(cause) from cause

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """`data` of a successful JSON answer."""
        return self.request(method, path, **kwargs).json().get("data")

    # -- the workstation's calls -----------------------------------------------------------
    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "/api/v1/process/start", json=body)

    def complete(self, text: str) -> dict[str, Any]:
        """Post a completion file's (decoded) text as it was written."""
        return self.call(
            "POST",
            "/api/v1/process/complete",
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )

    def routing(self) -> list[dict[str, Any]]:
        return self.call("GET", "/api/v1/process/routing")

    def close(self) -> None:
        self.http.close()
