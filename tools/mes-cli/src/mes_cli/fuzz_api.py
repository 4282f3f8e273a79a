"""API fuzzing of the gateway's one OpenAPI document with schemathesis, as each role.

For every operation, hypothesis draws `examples` valid and `examples` invalid requests
(schemathesis' positive and negative generation); each is sent with the role's token and
its answer checked: no 5xx (`not_a_server_error`), a documented status
(`status_code_conformance`) and a body matching the documented schema
(`response_schema_conformance`; every error is the contract's `ErrorBody`).

Left out, and why (the fuzzer must keep the credentials it fuzzes with):
- `POST /api/v1/auth/logout` revokes the caller's own tokens;
- `GET /api/v1/live` is an endless Server-Sent Events stream (tested in test_gateway_live);
- `/api/v1/users/{username}` never targets a demo account: such a name is replaced by a
  throw-away account the fuzzer creates (an admin could otherwise deactivate or re-password
  the accounts every role signs in with).
A token that stops working anyway (e.g. an admin changed a role) is replaced by signing in
again before the next operation; the report counts those re-logins.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

#: role → demo account (README: dev stacks only)
ACCOUNTS = {
    "admin": ("admin", "demo-admin-1234"),
    "production_manager": ("manager", "demo-manager-1234"),
    "quality_manager": ("quality", "demo-quality-1234"),
    "viewer": ("viewer", "demo-viewer-1234"),
    "worker": ("w001", "demo-worker-1234"),
}
EXCLUDED = {
    ("POST", "/api/v1/auth/logout"): "revokes the fuzzer's own tokens",
    ("GET", "/api/v1/live"): "endless Server-Sent Events stream",
}
PROTECTED_USERS = frozenset({"admin", "manager", "quality", "viewer", "w001", "w002"})
TARGET_USER = "fuzz-target"
TARGET_PASSWORD = "fuzz-target-password"  # noqa: S105 - a throw-away account of the fuzz stack
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.response_schema_conformance,
]
TIMEOUT_SECONDS = 20.0


@dataclass
class Finding:
    operation: str
    titles: tuple[str, ...]
    status: int | None
    report: str  # schemathesis' text: the failures, the answer and a curl to reproduce
    count: int = 1


@dataclass
class RoleReport:
    role: str
    cases: int = 0
    operations: int = 0
    relogins: int = 0
    seconds: float = 0.0
    findings: dict[tuple[str, tuple[str, ...], int | None], Finding] = field(default_factory=dict)

    @property
    def failures(self) -> int:
        return sum(f.count for f in self.findings.values())

    def record(self, finding: Finding) -> None:
        key = (finding.operation, finding.titles, finding.status)
        if key in self.findings:
            self.findings[key].count += 1
        else:
            self.findings[key] = finding


class Credentials:
    """A role's bearer token, renewed when it stops working."""

    def __init__(self, gateway_url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=TIMEOUT_SECONDS)
        self.username, self.password = username, password
        self.token = self._login()
        self.relogins = 0

    def _login(self) -> str:
        r = self.http.post(
            "/api/v1/auth/login", json={"username": self.username, "password": self.password}
        )
        r.raise_for_status()
        return str(r.json()["data"]["access_token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def ensure_valid(self) -> None:
        if self.http.get("/api/v1/auth/me", headers=self.headers).status_code == 401:
            self.token = self._login()
            self.relogins += 1

    def close(self) -> None:
        self.http.close()


def load_schema(gateway_url: str) -> Any:
    """The gateway's merged document, without the operations the fuzzer must not call."""
    schema = schemathesis.openapi.from_url(gateway_url + "/openapi.json", timeout=30)
    for method, path in EXCLUDED:
        schema = schema.exclude(method=method, path=path)
    return schema


def prepare(gateway_url: str) -> None:
    """The throw-away account that user routes are pointed at instead of demo accounts."""
    admin = Credentials(gateway_url, *ACCOUNTS["admin"])
    try:
        body = {
            "username": TARGET_USER,
            "password": TARGET_PASSWORD,
            "role": "viewer",
            "display_name": "fuzz target",
        }
        r = admin.http.post("/api/v1/users", json=body, headers=admin.headers)
        if r.status_code not in (201, 409):
            raise RuntimeError(f"cannot create {TARGET_USER}: {r.status_code} {r.text}")
    finally:
        admin.close()


def _protect(case: Any) -> None:
    params = case.path_parameters or {}
    if params.get("username") in PROTECTED_USERS:
        params["username"] = TARGET_USER


def _finding(operation: str, exc: Exception) -> Finding:
    if isinstance(exc, FailureGroup):
        titles = tuple(sorted({f.title for f in exc.exceptions}))
    else:
        titles = (f"{type(exc).__name__}: {str(exc)[:200]}",)
    status = None
    for line in str(exc).splitlines():
        if line.startswith("[") and "]" in line and line[1:4].isdigit():
            status = int(line[1:4])
            break
    return Finding(operation, titles, status, str(exc)[:4000])


def fuzz_operation(
    operation: Any,
    report: RoleReport,
    credentials: Credentials,
    session: requests.Session,
    examples: int,
    seed: int | None,
) -> None:
    """`examples` positive and `examples` negative cases of one operation."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            _protect(case)
            report.cases += 1
            try:
                case.call_and_validate(
                    session=session,
                    headers=credentials.headers,
                    checks=CHECKS,
                    timeout=TIMEOUT_SECONDS,
                )
            except (FailureGroup, AssertionError, requests.RequestException) as exc:
                report.record(_finding(operation.label, exc))

        if seed is not None:
            run = hypothesis_seed(seed)(run)
        run()


def fuzz_role(
    schema: Any,
    gateway_url: str,
    role: str,
    *,
    examples: int,
    seed: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RoleReport:
    """Every operation of `schema`, signed in as `role`'s demo account."""
    report = RoleReport(role)
    started = time.monotonic()
    credentials = Credentials(gateway_url, *ACCOUNTS[role])
    session = requests.Session()
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            credentials.ensure_valid()
            fuzz_operation(operation, report, credentials, session, examples, seed)
            report.operations += 1
            progress(operation.label)
    finally:
        report.relogins = credentials.relogins
        credentials.close()
        session.close()
        report.seconds = time.monotonic() - started
    return report


def summary_line(report: RoleReport) -> str:
    return (
        f"{report.role:<19} {report.operations:>3} operations {report.cases:>6} cases "
        f"{report.failures:>4} failures ({len(report.findings)} distinct) "
        f"{report.relogins} re-logins {report.seconds:6.1f} s"
    )


def describe(report: RoleReport) -> str:
    """Each distinct failure: operation, checks, status, how often, and the full report."""
    parts = []
    for f in report.findings.values():
        head = f"{report.role}: {f.operation} → {f.status} {', '.join(f.titles)} (×{f.count})"
        parts.append(f"{head}\n{f.report}")
    return "\n\n".join(parts)
