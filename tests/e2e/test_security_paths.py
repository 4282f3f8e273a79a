"""Path traversal against the firmware store, the label routes, every other path parameter
and the dashboard's static files: URL-encoded, double-encoded, backslashes, absolute paths,
NUL bytes, overlong UTF-8. Always a 4xx (or the SPA's index page for a non-API path), never a
5xx, never the bytes of a file outside the store — a canary file planted next to the
firmware directory proves the last point."""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from mes_cli.stack import Stack

from .conftest import Client

TRAVERSALS = [
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "..%2f..%2fcanary-{tag}.bin",
    "%2e%2e%2f%2e%2e%2fcanary-{tag}.bin",
    "%2e%2e/%2e%2e/canary-{tag}.bin",
    "%252e%252e%252fcanary-{tag}.bin",
    "..%255c..%255ccanary-{tag}.bin",
    "..%5C..%5Ccanary-{tag}.bin",
    "..\\..\\canary-{tag}.bin",
    "%2Fetc%2Fpasswd",
    "%2F{data_dir}%2Fcanary-{tag}.bin",
    "C:%5CWindows%5Cwin.ini",
    "v1.0.0%00.bin",
    "v1.0.0%00",
    "%00",
    "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afcanary-{tag}.bin",
    "..%c0%af..%c0%afcanary-{tag}.bin",
    "....%2F%2F....%2F%2Fcanary-{tag}.bin",
    "..",
    "%2e%2e",
    "v1.0.0%2F..%2F..%2Fcanary-{tag}.bin",
    "~%2F.ssh%2Fid_rsa",
]
ROUTES = [
    "/api/v1/firmware/download/{}",
    "/api/v1/firmware/{}",
    "/api/v1/firmware/{}/release",
    "/api/v1/firmware/{}/rollback",
    "/api/v1/label/jobs/{}",
    "/api/v1/label/jobs/{}/preview",
    "/api/v1/label/jobs/{}/result",
    "/api/v1/label/jobs/{}/retry",
    "/api/v1/printers/{}",
    "/api/v1/printers/{}/status",
    "/api/v1/lots/{}",
    "/api/v1/lots/{}/serials",
    "/api/v1/serials/{}",
    "/api/v1/process/lots/{}",
    "/api/v1/trace/lots/{}",
    "/api/v1/trace/lots/{}/events",
    "/api/v1/trace/serials/{}",
    "/api/v1/trace/components/{}",
    "/api/v1/trace/workers/{}",
    "/api/v1/users/{}",
]
POSTS = {"release", "rollback", "result", "retry"}
# Trace searches by a free-text key (component LOT, worker id): an unknown key is an empty answer.
FREE_TEXT_LOOKUPS = {"/api/v1/trace/components/{}", "/api/v1/trace/workers/{}"}


@pytest.fixture(scope="module")
def canary(stack: Stack) -> Iterator[tuple[str, bytes]]:
    """A file beside the firmware store (and one level further out) that must stay unread."""
    tag = uuid.uuid4().hex[:8]
    content = f"CANARY-{uuid.uuid4().hex}".encode()
    paths = [stack.config.data_dir / f"canary-{tag}.bin"]
    paths.append(stack.config.data_dir.parent / f"canary-{tag}.bin")
    for path in paths:
        path.write_bytes(content)
    try:
        yield tag, content
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _raw(client: httpx.Client, base: str, path: str, method: str = "GET") -> httpx.Response:
    """Send `path` byte for byte (httpx would normalise `..` away before sending it)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
        body = b"{}" if method == "POST" else None
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        conn.close()


def test_traversal_never_reads_outside_the_store_and_never_5xx(
    admin: Client, stack: Stack, canary: tuple[str, bytes]
):
    tag, content = canary
    data_dir = str(stack.config.data_dir).lstrip("/").replace("/", "%2F")
    private = (stack.config.data_dir / "keys" / "jwt_ed25519.pem").read_text().split("-----")[2]
    bases = [admin.base_url, stack.services["firmware-service"].url]
    seen = 0
    with httpx.Client(headers={"Authorization": admin.headers["Authorization"]}, timeout=30) as c:
        for route in ROUTES:
            method = "POST" if route.rsplit("/", 1)[-1] in POSTS else "GET"
            for attack in TRAVERSALS:
                segment = attack.format(tag=tag, data_dir=data_dir)
                path = route.format(segment)
                targets = bases if route.startswith("/api/v1/firmware") else bases[:1]
                for base in targets:
                    r = _raw(c, str(base).rstrip("/"), path, method)
                    seen += 1
                    if r.status_code == 200 and route in FREE_TEXT_LOOKUPS:
                        # A search by free-text key: the odd key is looked up, finds nothing.
                        data = r.json()["data"]
                        assert data.get("usages", data.get("records")) == [], (path, data)
                    else:
                        assert 400 <= r.status_code < 500, (method, base, path, r.status_code)
                        if r.headers.get("content-type", "").startswith("application/json"):
                            assert r.json()["status"] == "error"
                    assert content not in r.content, (path, "read the canary")
                    assert b"root:" not in r.content and private.encode() not in r.content
    assert seen > len(ROUTES) * len(TRAVERSALS)


def test_dot_segments_cannot_reach_other_routes_or_internal_endpoints(admin: Client):
    """Collapsing `..` on the way through the gateway must not land on another route of the
    service (an admin-only list from a reader route, or a service's own /metrics)."""
    with httpx.Client(headers={"Authorization": admin.headers["Authorization"]}, timeout=30) as c:
        base = str(admin.base_url).rstrip("/")
        for path in (
            "/api/v1/firmware/download/..",
            "/api/v1/firmware/download/%2e%2e",
            "/api/v1/lots/../../../metrics",
            "/api/v1/lots/..%2F..%2F..%2Fmetrics",
            "/api/v1/trace/lots/x/../../../../openapi.json",
            "/api/v1/label/jobs/../../printers",
            "/api/v1/lots/x%3Fstatus=CLOSED",
            "/api/v1/lots/x%23fragment",
        ):
            r = _raw(c, base, path)
            assert r.status_code in {400, 404, 422}, (path, r.status_code, r.text[:200])
            assert b"process_cpu_seconds_total" not in r.content
            assert r.json()["status"] == "error"


def test_firmware_download_of_a_real_version_stays_in_the_store(
    admin: Client, firmware_released: None
):
    current = admin.get("/api/v1/firmware/current")
    assert current.status_code == 200, current.text
    version = current.json()["data"]["version"]
    r = admin.get(f"/api/v1/firmware/download/{version}")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="firmware_{version}.bin"'
    # The version with a suffix, a trailing newline or a second version is not the version.
    for variant in (f"{version}%0A", f"{version}.bin", f"{version}%2F{version}", f"%20{version}"):
        rr = _raw(admin.http, str(admin.base_url), f"/api/v1/firmware/download/{variant}")
        assert 400 <= rr.status_code < 500, (variant, rr.status_code)


def test_dashboard_static_files_do_not_escape_their_directory(
    gateway: str, canary: tuple[str, bytes]
):
    tag, content = canary
    with httpx.Client(timeout=30) as c:
        for path in (
            "/../../../../etc/passwd",
            "/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "/assets/../../../../etc/passwd",
            f"/..%2F..%2F..%2F..%2F..%2Fcanary-{tag}.bin",
            "/%2Fetc%2Fpasswd",
            "/%00",
            "/index.html%00.png",
            "/..\\..\\..\\etc\\passwd",
        ):
            r = _raw(c, gateway, path)
            assert r.status_code < 500, (path, r.status_code)
            assert b"root:" not in r.content and content not in r.content, path
