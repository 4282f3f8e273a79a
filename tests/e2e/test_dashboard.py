"""The web dashboard (clients/dashboard): its component tests (Vitest), its strict type check,
and an end-to-end run in Debian's Chromium (playwright-core) against the session's stack,
through an extra gateway that serves the built dashboard at `/`.

The browser script (clients/dashboard/e2e/dashboard.e2e.mjs) creates a LOT in the UI and
prints `READY <lot>`; this side then starts and completes processes through the API as the
shop floor would, answers `DRIVEN`, and the script checks the overview changed without a
reload. On `PRINTER_DOWN` this side points the LOT printer at a dead port (a LOT created
then cannot print its label), on `PRINTER_UP` back at its emulator. The script also walks
every page as the admin in Korean (no raw code on screen), checks a failed step is red, that
the LOT it held shows so until its NCR is disposed of in the UI, the alerts centre (a label
failure's alert reaches the open page live; the hold's alert is in the badge and banner, listed
on the Alerts page and acknowledged there, and leaves the banner), and the layout at phone
width. Chromium comes from Debian (clients/dashboard/e2e/ensure-chromium.sh installs it
when /usr/bin/chromium is missing); Node.js 20+ with npm must be on PATH.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psutil
import pytest
from gateway.static import dashboard_dir
from mes_cli.dashboard import ensure_built, is_stale, needs_install
from mes_cli.demo import process_data_for
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client
from .production import new_lot as new_lot_via_api
from .production import run_process, run_through
from .test_labels import ThreadedEmulator

DASHBOARD = Path(__file__).resolve().parents[2] / "clients" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
E2E_TIMEOUT = 420
LOT_RE = re.compile(r"^WF-[A-Z]{2}-[0-9]{6}D-[0-9]{3}$")
KST = ZoneInfo("Asia/Seoul")


def station_data(process_id: str, lot: str) -> dict:
    """A good unit's process_data, as a station writes it (to be spoiled by a test)."""
    return process_data_for(process_id, lot, datetime.now(KST))


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not on PATH: the dashboard needs Node.js 20+ with npm"
    return path


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "FORCE_COLOR": "0"}
    return subprocess.run(
        args, cwd=DASHBOARD, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stdout[-6000:] + "\n" + done.stderr[-3000:]).strip()


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """`npm ci` from the committed lock file when node_modules is missing or older."""
    if needs_install(DASHBOARD):
        done = _run([_tool("npm"), "ci", "--no-audit", "--no-fund"], timeout=900)
        assert done.returncode == 0, _tail(done)
    assert (DASHBOARD / "node_modules" / "playwright-core").is_dir()
    return DASHBOARD / "node_modules"


@pytest.fixture(scope="module")
def dashboard_dist(node_modules: Path) -> Path:
    """The production build the gateway serves (rebuilt when a source is newer)."""
    if is_stale(DASHBOARD):
        done = _run([_tool("npm"), "run", "build"], timeout=600)
        assert done.returncode == 0, _tail(done)
    index = DASHBOARD / "dist" / "index.html"
    assert index.is_file() and '<div id="root">' in index.read_text()
    return DASHBOARD / "dist"


def test_component_tests_pass(node_modules: Path) -> None:
    done = _run([_tool("npx"), "vitest", "run"], timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 0, _tail(done)
    counts = re.search(r"Tests\s+(\d+) passed \((\d+)\)", out)
    assert counts, _tail(done)
    passed, total = int(counts.group(1)), int(counts.group(2))
    assert passed == total >= 40, _tail(done)
    assert "skipped" not in out.split("Tests", 1)[-1].splitlines()[0]


def test_typescript_is_strict_and_clean(node_modules: Path) -> None:
    config = (DASHBOARD / "tsconfig.json").read_text()
    assert '"strict": true' in config
    done = _run([_tool("npx"), "tsc", "--noEmit", "-p", "."], timeout=600)
    assert done.returncode == 0, _tail(done)


# -- serving and building --------------------------------------------------------------------
def test_launcher_builds_only_when_sources_are_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dash = tmp_path / "clients" / "dashboard"
    (dash / "src").mkdir(parents=True)
    (dash / "package.json").write_text("{}")
    (dash / "package-lock.json").write_text("{}")
    (dash / "src" / "main.tsx").write_text("")
    assert is_stale(dash) and needs_install(dash)
    (dash / "dist").mkdir()
    (dash / "dist" / "index.html").write_text("<div id=root>")
    (dash / "node_modules").mkdir()
    (dash / "node_modules" / ".package-lock.json").write_text("{}")
    past = time.time() - 60
    for f in (dash / "src" / "main.tsx", dash / "package.json", dash / "package-lock.json"):
        os.utime(f, (past, past))
    assert not is_stale(dash) and not needs_install(dash)
    (dash / "src" / "main.tsx").write_text("// edited")
    assert is_stale(dash)
    # an operator's MES_DASHBOARD_DIR (a build made elsewhere, or "" for none) skips the build
    monkeypatch.setenv("MES_DASHBOARD_DIR", "")
    assert ensure_built(tmp_path, log=lambda _msg: None) is None


def test_gateway_serves_the_app_and_leaves_the_api_alone(
    ui_gateway: str, dashboard_dist: Path
) -> None:
    with httpx.Client(base_url=ui_gateway, timeout=10) as http:
        index = http.get("/")
        assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
        assert '<div id="root">' in index.text
        # client-side routes get the app; the API and the gateway's own pages keep theirs
        assert '<div id="root">' in http.get("/trace?q=WF-KR-251110D-001").text
        assert http.get("/api/v1/lots").json()["error_code"] == "UNAUTHORIZED"
        unknown = http.get("/api/v2/nothing")
        assert unknown.status_code == 404 and unknown.json()["status"] == "error"
        assert http.get("/openapi.json").json()["info"]["title"]
        assert http.get("/health").json()["status"] == "ok"
        assert http.post("/lots").status_code in (404, 405)
        # hashed assets are cached for good; a missing one is a 404, not the page
        asset = next((dashboard_dist / "assets").glob("index-*.js")).name
        js = http.get(f"/assets/{asset}")
        assert js.status_code == 200 and "immutable" in js.headers["cache-control"]
        assert "javascript" in js.headers["content-type"]
        assert http.get("/assets/index-00000000.js").status_code == 404
        # nothing outside the build directory leaks
        for path in ("/..%2f..%2fpyproject.toml", "/%2e%2e/%2e%2e/pyproject.toml"):
            assert "[project]" not in http.get(path).text
    assert dashboard_dir("") is None
    assert dashboard_dir(str(dashboard_dist)) == dashboard_dist.resolve()


# -- end to end ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        done = subprocess.run(
            ["bash", str(DASHBOARD / "e2e" / "ensure-chromium.sh")],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert done.returncode == 0, _tail(done)
    assert CHROMIUM.exists()
    return CHROMIUM


class UiGateway:
    """A second gateway on the session's services, serving the built dashboard; it can be
    stopped and started again on the same port (an outage, as the browser sees it)."""

    name = "gateway-ui"

    def __init__(self, stack: Stack, dist: Path) -> None:
        self.stack = stack
        self.port = free_port()
        self.env = {"MES_DASHBOARD_DIR": str(dist)}
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        service = self.stack.start_gateway(self.port, name=self.name, extra_env=self.env)
        eventually(lambda: _ready(self.url) or service.process.poll() is not None, timeout=90)
        assert service.process.poll() is None, "the dashboard gateway exited; see its log"

    def stop(self) -> None:
        self.stack.stop_service(self.name)


@pytest.fixture(scope="module")
def ui(stack: Stack, dashboard_dist: Path) -> Iterator[UiGateway]:
    gateway = UiGateway(stack, dashboard_dist)
    try:
        gateway.start()
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
def ui_gateway(ui: UiGateway) -> str:
    return ui.url


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _marked_processes(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("MES_E2E_MARKER") == marker:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


class BrowserRun:
    """The Node script as a child: its output lines, its stdin, and a hard time limit."""

    def __init__(self, gateway: str, serial: str, failed_lot: str, component: str) -> None:
        self.marker = uuid.uuid4().hex
        args = [_tool("node"), "e2e/dashboard.e2e.mjs", gateway, "--serial", serial, "--outage"]
        args += ["--failed-lot", failed_lot, "--component", component, "--label-failure"]
        if os.environ.get("MES_DASHBOARD_SCREENSHOTS"):
            args += ["--screenshots", os.environ["MES_DASHBOARD_SCREENSHOTS"]]
        self.process = subprocess.Popen(
            args,
            cwd=DASHBOARD,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "MES_E2E_MARKER": self.marker, "CHROMIUM_PATH": str(CHROMIUM)},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.deadline = time.monotonic() + E2E_TIMEOUT

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self) -> str | None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("the browser run took too long:\n" + "\n".join(self.output))
        try:
            return self.lines.get(timeout=remaining)
        except queue.Empty as exc:
            raise AssertionError(
                "the browser run took too long:\n" + "\n".join(self.output)
            ) from exc

    def answer(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self) -> int:
        try:
            return self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return -1
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the script closes its browser
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def leftovers(self) -> list[psutil.Process]:
        deadline = time.monotonic() + 10
        while (left := _marked_processes(self.marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for proc in left:  # clean up, then fail below
            proc.kill()
        return left

    @property
    def results(self) -> dict[str, str]:
        pairs = (line[7:].split("=", 1) for line in self.output if line.startswith("RESULT "))
        return {key: value for key, value in pairs}


@pytest.fixture(scope="module")
def traced_serial(manager: Client, worker: Client, firmware_released: None) -> str:
    """A serial of a LOT driven through all 8 processes, as the trace search target."""
    lot = new_lot_via_api(manager, worker, quantity=3)
    run_through(worker, lot, "PROC-008")
    serial = f"{lot}-0002"
    eventually(
        lambda: (
            (r := worker.get(f"/api/v1/trace/serials/{serial}")).status_code == 200
            and r.json()["data"]["lot"]["status"] == "COMPLETED"
        ),
        timeout=30,
    )
    return serial


@pytest.fixture(scope="module")
def failed_lot(manager: Client, worker: Client) -> str:
    """A LOT whose sensor inspection (PROC-003) failed: 62.4 °C against 60 ± 1 °C."""
    lot = new_lot_via_api(manager, worker, quantity=5)
    run_process(worker, lot, "PROC-001")
    run_process(worker, lot, "PROC-002")
    data = station_data("PROC-003", lot)
    data["temp_sensor"].update(measured_temp=62.4, result="FAIL")
    data["overall_result"] = "FAIL"
    assert run_process(worker, lot, "PROC-003", data)["result"] == "FAIL"

    def shown_failed() -> bool:
        summary = worker.get("/api/v1/dashboard/summary").json()["data"]
        row = next((o for o in summary["open_lots"] if o["lot_number"] == lot), None)
        return bool(row) and row["current_process_result"] == "FAIL"

    eventually(shown_failed, timeout=30)
    return lot


class DemoPrinters:
    """PRINTER-01 (LOT labels) and PRINTER-07 (serial labels) on emulators of their own for
    the run, so label outcomes are certain; `down()` points PRINTER-01 at a dead port."""

    def __init__(self, admin: Client) -> None:
        self.admin = admin
        printers = {p["printer_id"]: p for p in admin.get("/api/v1/printers").json()["data"]}
        self.ports = {pid: printers[pid]["port"] for pid in ("PRINTER-01", "PRINTER-07")}
        self.emulators = {pid: ThreadedEmulator() for pid in self.ports}

    def _point(self, printer_id: str, port: int) -> None:
        r = self.admin.patch(f"/api/v1/printers/{printer_id}", json={"port": port})
        assert r.status_code == 200, r.text

    def up(self) -> None:
        for pid, emulator in self.emulators.items():
            self._point(pid, emulator.emu.port)

    def down(self) -> None:
        self._point("PRINTER-01", free_port())  # nothing listens there

    def restore(self) -> None:
        for pid, port in self.ports.items():
            self._point(pid, port)
        for emulator in self.emulators.values():
            emulator.stop()


@pytest.fixture()
def demo_printers(admin: Client) -> Iterator[DemoPrinters]:
    printers = DemoPrinters(admin)
    try:
        printers.up()
        yield printers
    finally:
        printers.restore()


def _drive(worker: Client, lot: str, steps: int) -> None:
    """Start and complete processes 1..steps of a LOT, as the shop floor does."""
    eventually(lambda: worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
    for step in range(1, steps + 1):
        run_process(worker, lot, f"PROC-{step:03d}")


def test_dashboard_end_to_end_in_chromium(
    chromium: Path,
    ui: UiGateway,
    traced_serial: str,
    failed_lot: str,
    demo_printers: DemoPrinters,
    manager: Client,
    worker: Client,
) -> None:
    ui_gateway = ui.url
    # The gateway serves the app at / and for client-side routes, the API beside it.
    page = httpx.get(f"{ui_gateway}/lots/{traced_serial[:-5]}", timeout=10)
    assert page.status_code == 200 and '<div id="root">' in page.text
    assert httpx.get(f"{ui_gateway}/api/v1/lots", timeout=10).status_code == 401

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    trace = worker.get(f"/api/v1/trace/serials/{traced_serial}").json()["data"]
    component = trace["lot"]["component_lots"][0]["component_lot"]
    run = BrowserRun(ui_gateway, traced_serial, failed_lot, component)
    driven_lot = None
    try:
        while (line := run.next_line()) is not None:
            if line.startswith("READY "):
                driven_lot = line.split()[1]
                _drive(worker, driven_lot, steps=2)
                run.answer("DRIVEN 2")
            elif line.startswith("OUTAGE ") and driven_lot:
                # the dashboard's gateway goes away; the line goes on through the other one
                ui.stop()
                run_process(worker, driven_lot, "PROC-003")
                ui.start()
                run.answer("DRIVEN 3")
            elif line == "PRINTER_DOWN":
                demo_printers.down()
                run.answer("DOWN")
            elif line == "PRINTER_UP":
                demo_printers.up()
                run.answer("UP")
        code = run.finish()
    finally:
        run.stop()
        leftovers = run.leftovers()
    elapsed = time.monotonic() - started
    busy = max(load_before, os.getloadavg()[0]) / (os.cpu_count() or 1)
    log = "\n".join(run.output)
    print(log)
    print(f"browser run: {elapsed:.1f}s")
    assert not leftovers, f"chromium processes left running: {[p.pid for p in leftovers]}"
    assert code == 0 and "E2E OK" in run.output, log
    results = run.results

    # created in the UI, listed, its number shown with its label's outcome
    lot = results["lot"]
    assert LOT_RE.match(lot) and lot == driven_lot, log
    assert results["lot_listed"] == "1"
    # the label outcome the UI showed agrees with label-service
    jobs = manager.get("/api/v1/label/jobs", params={"lot_number": lot}).json()["data"]["items"]
    lot_label = next(j for j in jobs if j["label_type"] == "LOT" and not j["reprint"])
    # the LOT printer was up (an emulator): printed, and shown so
    assert results["label_state"] == "printed" and lot_label["state"] == "sent", lot_label
    # the LOT created while the LOT printer was down: the LOT a success, its label apart and
    # not green, with the reason in words (issue 17 item 8)
    assert results["failed_label_in_success"] == "0", log
    assert results["failed_label_severity"] in ("warning", "error"), log
    assert "프린터가 연결되어 있지 않습니다" in results["failed_label_text"], log
    down = manager.get("/api/v1/label/jobs", params={"lot_number": results["failed_label_lot"]})
    down_job = next(j for j in down.json()["data"]["items"] if j["label_type"] == "LOT")
    assert down_job["last_error_code"] == "PRINTER_NOT_CONNECTED", down_job
    created = manager.get(f"/api/v1/lots/{lot}").json()["data"]
    assert created["created_by"] == "manager" and created["target_quantity"] == 12
    assert created["shift"] == "D"
    # the overview followed the line within 5 s, without a reload
    assert int(results["overview_update_ms"]) <= 5000, log
    assert results["overview_progress_before"] == "0%"
    assert results["overview_progress"] == "25%"  # 2 of 8 steps
    assert int(results["started_after"]) >= int(results["started_before"]) + 2
    assert int(results["detail_completed_steps"]) >= 2
    # after the outage the page caught up by itself: reconnect, resume from the cursor
    assert results["outage_seen"] == "1"
    assert int(results["resume_ms"]) < 60_000, log
    # the serial's genealogy: all 8 processes with their data
    assert results["trace_processes"] == ",".join(f"PROC-00{i}" for i in range(1, 9))
    assert results["trace_missing_data"] == "none"
    # a failed step is red on the overview (not "(완료)"), in the LOT list and on its timeline,
    # and its defects are a table
    assert results["fail_overview"] == "red,red,no-completed-text", log
    assert results["fail_elsewhere"].startswith("list:red,timeline:red,defect_rows:"), log
    # the failed PROC-003 held the LOT: red with its NCR in the list, a banner on its detail
    # (failed step, phase, NCR, measured value); the NCR disposed of in the UI (USE_AS_IS)
    # released the hold, and the UI no longer shows it
    assert results["hold_list"] == "red,ncr", log
    assert results["hold_banner"] == "PROC-003 센서 검사,OPEN,ncr,measured", log
    assert results["ncr_disposed"] == "특채 (그대로 사용)", log
    assert results["hold_gone"] == "detail,list", log
    ncr = manager.get(f"/api/v1/ncr/{results['hold_ncr']}").json()["data"]
    assert ncr["lot_number"] == failed_lot and ncr["status"] == "CLOSED", ncr
    assert ncr["disposition"] == "USE_AS_IS" and "QA-17" in ncr["reason"], ncr
    hold = manager.get(f"/api/v1/process/lots/{failed_lot}").json()["data"]["hold"]
    assert hold is None, hold
    # the alerts centre (ADR 0024): the failed label's alert (or the LOT printer's) reached
    # the open page over the live feed; the hold's alert was in the overview's badge and
    # banner, listed on the Alerts page, acknowledged there with a note and left the banner
    assert results["alert_live_raised"] in (results["failed_label_lot"], "PRINTER-01"), log
    assert results["alert_live_badge"] == "1", log
    assert results["alert_banner_phone"] == "fits", log
    assert results["alert_overview"] == "badge,banner", log
    assert results["alert_listed"] == "text,in-banner", log
    assert results["alert_ack_gone"] == "1", log
    assert results["alert_ack_shown"] == "who,note", log
    assert results["viewer_ack_buttons"] == "0", log
    held_alert = manager.get(f"/api/v1/alerts/{results['alert_id']}").json()["data"]
    assert held_alert["rule"] == "lot.held" and held_alert["subject_id"] == failed_lot, held_alert
    assert held_alert["acknowledged_by"] == "admin", held_alert
    assert held_alert["note"] == "QA 확인: NCR 처분 진행 중", held_alert
    # the disposition released the hold: the alert resolved itself
    eventually(
        lambda: (
            manager.get(f"/api/v1/alerts/{results['alert_id']}").json()["data"]["status"]
            == "resolved"
        ),
        timeout=30,
    )
    # the Printers page showed the LOT printer's last polled state (its emulator: ready)
    assert results["printer_last_state"] == "ready", log
    # every page in the Korean UI, as the admin: no raw code on screen
    assert results["raw_codes"] == "none", results["raw_codes"]
    # the label preview keeps its width after a reprint
    assert int(results["preview_width_after_reprint"]) >= 300, log
    # a phone: no horizontal overflow, every tab and sign-out reachable, tables scroll inside
    assert results["phone_misfits"] == "none", results["phone_misfits"]
    assert results["phone_tabs_reached"] == "10/10"
    assert results["phone_logout"] == "1" and results["phone_table_scrolls"] == "1"
    # roles: a viewer sees no create button and no admin pages
    assert results["viewer_create_buttons"] == "0"
    assert results["viewer_admin_tabs"] == "0"
    assert results["viewer_users_redirect"] == "/"
    # the admin's pages render without errors, and English is one click away
    assert results["admin_pages"] == "quality,firmware,printers,audit,users"
    # Initial load: largest contentful paint of the overview in a cold browser context.
    # The budget is 2 s on a machine with a core to spare; when the machine is busier than
    # its cores (shared CI), wall-clock time stretches by that factor, so the budget does.
    lcp, ready, kpis = (
        int(results["lcp_ms"]),
        int(results["data_ready_ms"]),
        int(results["kpis_ms"]),
    )
    budget = 2000 * max(1.0, busy)
    print(
        f"dashboard initial load: KPIs visible {kpis} ms, LCP {lcp} ms "
        f"(runs {results['lcp_ms_runs']} ms), "
        f"data shown after {ready} ms, main thread {results['main_thread_ms']} ms; "
        f"load/cores {busy:.2f}, budget {budget:.0f} ms"
    )
    assert 0 < lcp < budget and ready < budget and 0 < kpis < budget, log
    assert int(results["main_thread_ms"]) < budget, log
    assert elapsed < E2E_TIMEOUT
