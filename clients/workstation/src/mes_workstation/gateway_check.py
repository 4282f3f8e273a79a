"""Settings' "test connection": is there a MES gateway at this address, and is it ready?"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .settings_checks import gateway_url_problem


@dataclass(frozen=True)
class Reachability:
    ok: bool
    ko: str
    en: str


def check_gateway(url: str, timeout: float = 3.0) -> Reachability:
    """GET `/health` (is it the gateway?) then `/ready` (are its services up?)."""
    problem = gateway_url_problem(url)
    if problem is not None:
        return Reachability(False, problem.ko, problem.en)
    base = url.strip().rstrip("/")
    try:
        with httpx.Client(base_url=base, timeout=timeout) as client:
            health = client.get("/health")
            service = health.json().get("service") if health.status_code == 200 else None
            if service != "gateway":
                return Reachability(
                    False,
                    f"응답은 있지만 MES 게이트웨이가 아닙니다 (HTTP {health.status_code})",
                    f"Something answers, but not the MES gateway (HTTP {health.status_code})",
                )
            ready = client.get("/ready")
    except (httpx.HTTPError, ValueError) as exc:
        reason = type(exc).__name__
        return Reachability(
            False,
            f"연결할 수 없습니다 ({reason}) — 주소와 네트워크를 확인하세요",
            f"Cannot connect ({reason}) — check the address and the network",
        )
    if ready.status_code != 200:
        return Reachability(
            False,
            "MES가 응답하지만 아직 준비되지 않았습니다 — 잠시 후 다시 시험하세요",
            "The MES answers but is not ready yet — test again shortly",
        )
    return Reachability(True, "연결 성공: MES 준비됨", "Connected: the MES is ready")
