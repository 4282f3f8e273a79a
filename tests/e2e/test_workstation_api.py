"""The workstation's API client against the real gateway: quiet token refresh, typed
errors, and "offline" kept apart from "refused"."""

from __future__ import annotations

from datetime import datetime

import pytest
from mes_cli import pytest_plugin
from mes_cli.infra import free_port
from mes_cli.stack import Stack
from mes_workstation.api_client import ApiClient, ApiError, NotSignedInError, OfflineError

from .conftest import Client
from .production import KST, new_lot, start_body


def stack_keys(stack: Stack) -> pytest_plugin.TestKeys:
    keys = stack.config.data_dir / "keys"
    return pytest_plugin.TestKeys(
        (keys / "jwt_ed25519.pem").read_text(), (keys / "jwt_ed25519.pub").read_text()
    )


def test_expired_access_token_is_refreshed_quietly(gateway: str, stack: Stack) -> None:
    api = ApiClient(gateway, station_id="WS-API")
    try:
        user = api.login("w001", "demo-worker-1234")
        assert (user["username"], user["worker_id"]) == ("w001", "W001")
        first_refresh = api._tokens.refresh
        # A token exactly as the gateway issues it, but expired: the call answers 401
        # TOKEN_EXPIRED, the client refreshes once and repeats the call.
        api._tokens.access = stack_keys(stack).token("w001", "worker", "W001", minutes=-1)
        steps = api.routing()
        assert {s["process_id"] for s in steps} >= {"PROC-001", "PROC-008"}
        assert api._tokens.refresh != first_refresh  # rotated; only the newest is kept

        # Shortly before expiry the token is refreshed before the call, every time.
        api.refresh_margin = 10_000
        seen = set()
        for _ in range(3):
            api.routing()
            seen.add(api._tokens.refresh)
        assert len(seen) == 3
    finally:
        api.logout()
        api.close()
    with pytest.raises(NotSignedInError):
        api.routing()


def test_errors_carry_code_message_and_data(gateway: str, manager: Client, worker: Client) -> None:
    api = ApiClient(gateway)
    try:
        with pytest.raises(ApiError) as raised:
            api.login("w001", "wrong-password")
        assert (raised.value.status_code, raised.value.error_code) == (401, "INVALID_CREDENTIALS")
        api.login("w001", "demo-worker-1234")
        lot = new_lot(manager, worker)
        now = datetime.now(KST).replace(microsecond=0)
        with pytest.raises(ApiError) as raised:
            api.start(start_body(lot, "PROC-002", now))
        error = raised.value
        assert (error.status_code, error.error_code) == (400, "PREVIOUS_PROCESS_NOT_COMPLETED")
        assert error.message
        assert error.data["previous_process_id"] == "PROC-001"
        assert error.data["required_action"] == "레이저 마킹 공정을 먼저 완료해주세요"
        with pytest.raises(ApiError) as raised:
            api.start(start_body(lot, "PROC-001", now, worker_id="W002"))
        assert raised.value.error_code == "FORBIDDEN"  # a worker acts only as themselves
    finally:
        api.close()


def test_unreachable_gateway_is_offline_not_an_error() -> None:
    api = ApiClient(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    try:
        with pytest.raises(OfflineError) as raised:
            api.login("w001", "demo-worker-1234")
        assert "ConnectError" in raised.value.reason
    finally:
        api.close()
