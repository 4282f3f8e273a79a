"""The quality page in Chromium (issue 20, "Done when"): a planted out-of-control run on the
performance test (PROC-006, a test point of its own), driven over the public API, is flagged on the control chart and
its `spc.violation` alerts are raised and shown; the page's filters live in the URL and
survive a reload; tables download as CSV (UTF-8 with a BOM, Korean intact) and XLSX.

Sequence: a baseline of in-spec LOTs; the limits reset from them (the explicit, audited
action of ADR 0026, so the run does not wait for the default 100 baseline points); a run
of 9 above the centre line (rule 2) and one point beyond 3σ (rule 1), all in spec. Then
e2e/quality.e2e.mjs checks the browser side and saves its downloads for this side to read.
The limits are put back to "pending" at the end, which resolves the alerts for later tests.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import quote

from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .test_dashboard import (  # noqa: F401  (module fixtures: the build, the browser, a gateway)
    DASHBOARD,
    UiGateway,
    _tool,
    chromium,
    dashboard_dist,
    node_modules,
    ui,
)
from .test_quality_spc import OUTLIER, RUN, _spc_alerts, measured_lot

# This module's own PROC-006 test point (see test_quality_spc.POINT).
POINT = "SPCUI"
CHECK = f"test_results[{POINT}]"

BASELINE = [60.0, 60.2, 59.8, 60.1, 59.9, 60.0, 60.1, 59.9]  # x̄ 60.0; 3σ̂ well inside 60 ± 1
TIMEOUT = 180
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
ALERT_HEADERS = ["심각도", "상태", "내용", "대상", "발생", "확인", "해소"]
CAPABILITY_HEADERS = ["검사 항목", "n", "허용 범위", "Cp", "Cpk", "Cpk 95% 신뢰구간", "Pp", "Ppk"]


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), raw[:8]  # Excel then reads it as UTF-8
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet's cells as text, read with nothing but the standard library."""
    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None  # every entry's CRC-32 holds
        names = set(book.namelist())
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= names
        sheet = ET.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", NS):
        cells = []
        for c in row.iterfind("m:c", NS):
            text = c.find("m:is/m:t", NS)
            value = c.find("m:v", NS)
            cells.append(
                text.text if text is not None else (value.text if value is not None else "")
            )
        rows.append(cells)
    return rows


def test_planted_run_flagged_and_alerted_in_chromium(
    chromium: Path,  # noqa: F811
    ui: UiGateway,  # noqa: F811
    manager: Client,
    worker: Client,
    quality: Client,
    tmp_path: Path,
    firmware_released: None,
) -> None:
    baseline = [measured_lot(manager, worker, t, POINT) for t in BASELINE]

    def on_chart() -> bool:
        chart = quality.get(f"/api/v1/quality/spc/{quote(CHECK)}").json()["data"]
        return [p["lot_number"] for p in chart["points"]][-len(baseline) :] == baseline

    eventually(on_chart, timeout=15, what="the baseline on the chart")
    reason = {"reason": "e2e: quality page", "baseline": "recent", "points": len(BASELINE)}
    r = quality.post(f"/api/v1/quality/spc/{quote(CHECK)}/limits", json=reason)
    assert r.status_code == 200 and r.json()["data"]["state"] == "active", r.text
    try:
        run = [measured_lot(manager, worker, t, POINT) for t in RUN]
        outlier = measured_lot(manager, worker, OUTLIER, POINT)
        eventually(
            lambda: (
                {a["condition_key"] for a in _spc_alerts(manager)}
                >= {f"spc:{CHECK}:1", f"spc:{CHECK}:2"}
            ),
            timeout=20,
            what="the spc.violation alerts of rules 1 and 2",
        )

        downloads = tmp_path / "downloads"
        args = [
            _tool("node"),
            "e2e/quality.e2e.mjs",
            ui.url,
            "--check",
            CHECK,
            "--subject",
            "PROC-006",
        ]
        args += ["--run-lot", run[-1], "--outlier-lot", outlier, "--downloads", str(downloads)]
        if os.environ.get("MES_DASHBOARD_SCREENSHOTS"):
            args += ["--screenshots", os.environ["MES_DASHBOARD_SCREENSHOTS"]]
        env = {**os.environ, "CHROMIUM_PATH": str(chromium)}
        done = subprocess.run(
            args, cwd=DASHBOARD, capture_output=True, text=True, timeout=TIMEOUT, env=env
        )
        log = done.stdout + done.stderr
        print(log)
        assert done.returncode == 0 and "E2E OK" in done.stdout, log
        results = dict(
            line[7:].split("=", 1)
            for line in done.stdout.splitlines()
            if line.startswith("RESULT ")
        )
    finally:
        # waiting for a new baseline: nothing judged, the SPC alerts resolve
        r = quality.post(
            f"/api/v1/quality/spc/{quote(CHECK)}/limits",
            json={"reason": "e2e: done", "baseline": "next"},
        )
        assert r.status_code == 200, r.text

    # both planted LOTs are red points on the chart, in the URL's check and days
    assert results["flagged"] == "yes,yes", log
    assert "관리 이탈" in results["chart_summary"], log
    assert results["filters_after_reload"] == "check,since,until", log
    # the alerts: in the banner (subject PROC-006) and listed on the Alerts page in words
    assert results["banner_subjects_has_subject"] == "1", log
    assert int(results["alerts_listed"]) >= 2, log
    texts = results["alert_texts"]
    assert "SPC 규칙 1 위반" in texts and f"LOT {outlier}" in texts, texts
    assert "SPC 규칙 2 위반" in texts, texts

    # the downloads: CSV with a BOM and the table's Korean headers; XLSX the same table
    capability = _csv_rows(downloads / "capability.csv")
    assert capability[0] == CAPABILITY_HEADERS, capability[0]
    sensor = next(row for row in capability[1:] if POINT in row[0])  # "PROC-006 · … SPCUI"
    assert float(sensor[1]) >= len(BASELINE) + len(RUN) + 1 and sensor[2] == "59 ~ 61 kgf", sensor
    assert results["download_capability_csv"].endswith(".csv"), log
    alerts_csv = _csv_rows(downloads / "alerts.csv")
    assert alerts_csv[0] == ALERT_HEADERS, alerts_csv[0]
    assert sum(row[3] == "PROC-006" for row in alerts_csv[1:]) >= 2, alerts_csv
    alerts_xlsx = _xlsx_rows(downloads / "alerts.xlsx")
    assert alerts_xlsx[0] == ALERT_HEADERS
    assert len(alerts_xlsx) == len(alerts_csv)
    assert [row[3] for row in alerts_xlsx[1:]] == [row[3] for row in alerts_csv[1:]]

    eventually(
        lambda: not [a for a in _spc_alerts(manager) if a["params"].get("check") == CHECK],
        timeout=15,
        what="this check's SPC alerts resolved",
    )
