"""`./mes load` in small, as a user runs it: a throw-away stack, the locust factory-day model in
a subprocess for about half a minute, then the figures, the CSVs and the plot. No timing
assertions (shared machines); the figures are in the command's output."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from mes_cli import load_report

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "POST /api/v1/process/start",
    "POST /api/v1/process/complete",
    "GET /api/v1/live",
    "GET /api/v1/dashboard/summary",
    "POST /api/v1/lots",
    "GET /api/v1/lots/{lot}",
    "GET /api/v1/trace/serials/{serial}",
    "GET /api/v1/trace/lots/{lot}",
    "GET /api/v1/trace/components/{component_lot}",
}


def test_load_smoke_run_reports_every_endpoint_without_failures(tmp_path: Path) -> None:
    out = tmp_path / "load"
    # 10 users = 2 stations, 3 dashboards, 1 manager, 4 quality; four times the takt;
    # a p95 limit no step reaches, so the run has its three steps (15 s, 10 s, 5 s).
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mes_cli",
            "load",
            *("--users", "10", "--step", "10", "--pace", "0.25", "--p95-ms", "1000000"),
            *("--base-seconds", "15", "--step-seconds", "10", "--minutes", "0.5"),
            *("--out", str(out)),
        ],
        cwd=ROOT,
        env={**os.environ, "MES_ROOT": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr

    with (out / "locust_stats.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Name"] != "Aggregated"]
    seen = {f"{r['Type']} {r['Name']}" for r in rows}
    assert seen >= ENDPOINTS, ENDPOINTS - seen
    summary = json.loads((out / "summary.json").read_text())
    failed = {r["Name"]: int(r["Failure Count"]) for r in rows if int(r["Failure Count"])}
    assert failed == {}, summary["errors"]  # endpoint, status and the first body of each
    assert (out / "locust_stats_history.csv").stat().st_size > 0
    assert (out / "locust.html").stat().st_size > 0

    assert summary["errors"] == []
    assert summary["stopped_by"] == "time limit"
    assert [s["users"] for s in summary["steps"]][:2] == [10, 20]
    for step in summary["steps"]:
        figures = step["endpoints"][load_report.ALL]
        assert figures["count"] > 0 and figures["failed"] == 0
        assert all(math.isfinite(figures[q]) for q in ("rps", "p50", "p95", "p99"))
    first = summary["steps"][0]
    assert {"POST /api/v1/process/start", "POST /api/v1/process/complete"} <= set(
        first["endpoints"]
    )
    assert sum(s["event_lag_ms"]["n"] for s in summary["steps"]) > 0  # process.completed seen
    assert sum(s["live_lag_ms"]["n"] for s in summary["steps"]) > 0  # and on the dashboards

    assert "at the 20 TPS model" in run.stdout and "POST /api/v1/process/start" in run.stdout
    plot = out / "latency.html"
    assert str(plot) in run.stdout
    assert "<svg" in plot.read_text() and "<polyline" in (out / "latency.svg").read_text()

    summary["knee_index"] = 1  # the same figures read as a run that found its knee
    assert "at the knee (first step with p95 > 1e+06 ms)" in load_report.render(summary)
