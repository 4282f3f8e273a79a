"""Figures of a `./mes load` run: per step and endpoint throughput, p50/p95/p99, error
rate, event lag; the 20 TPS step and the knee (first step whose p95 passes the limit)."""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from .bench import percentile

REQUIRED_TPS = 20.0
ALL = "all requests"


def conditions() -> dict[str, Any]:
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def describe(c: dict[str, Any]) -> str:
    la = c["load_average"]
    return (
        f"machine: {c['machine']}, {c['cpus']} CPUs, Python {c['python']}, load average "
        f"{la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} (1/5/15 min) at {c['at']}; "
        "client and system on this machine, loopback"
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _latency(ms: list[float], seconds: float, failed: int) -> dict[str, float]:
    return {
        "count": len(ms),
        "rps": len(ms) / seconds if seconds else 0.0,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "failed": failed,
        "error_rate": failed / len(ms) if ms else 0.0,
    }


def _lag(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms, default=float("nan")),
    }


def step_figures(
    step: dict[str, Any],
    samples: list[dict[str, str]],
    lags: list[tuple[float, float]],
    live_lags: list[tuple[float, float]],
) -> dict[str, Any]:
    """One step, its first seconds (spawning) left out as the locustfile does."""
    settle = min(5.0, (step["end"] - step["start"]) / 5)
    begin, end = step["start"] + settle, step["end"]
    seconds = end - begin
    by_name: dict[str, list[float]] = defaultdict(list)
    failed: dict[str, int] = defaultdict(int)
    for s in samples:
        if begin <= float(s["time"]) < end:
            for name in (s["name"], ALL):
                by_name[name].append(float(s["ms"]))
                failed[name] += int(s["failed"])
    return {
        "index": step["index"],
        "users": step["users"],
        "seconds": round(seconds, 1),
        "endpoints": {n: _latency(ms, seconds, failed[n]) for n, ms in sorted(by_name.items())},
        "event_lag_ms": _lag([lag for at, lag in lags if begin <= at < end]),
        "live_lag_ms": _lag([lag for at, lag in live_lags if begin <= at < end]),
    }


def summarize(
    out: Path, lags: list[tuple[float, float]], p95_ms: float, before: dict[str, Any]
) -> dict[str, Any]:
    run = json.loads((out / "steps.json").read_text())
    samples = _read_csv(out / "samples.csv")
    live = [(float(r["time"]), float(r["lag_seconds"])) for r in _read_csv(out / "live_lag.csv")]
    steps = [step_figures(s, samples, lags, live) for s in run["steps"] if s["end"]]
    knee = next((s["index"] for s in steps if _p95(s) > p95_ms), None)
    totals = {
        r["Name"]: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"])}
        for r in _read_csv(out / "locust_stats.csv")
    }
    return {
        "conditions_before": before,
        "conditions_after": conditions(),
        "p95_limit_ms": p95_ms,
        "required_tps": REQUIRED_TPS,
        "stopped_by": run["stopped_by"],
        "station_starved_seconds": run["station_starved_seconds"],
        "pace": run["pace"],
        "steps": steps,
        "knee_index": knee,
        "locust_totals": totals,
        "client_cpu_warnings": (out / "locust.log").read_text(errors="replace").count("CPU usage"),
        "errors": run["errors"],
        "files": {
            "stats_csv": str(out / "locust_stats.csv"),
            "history_csv": str(out / "locust_stats_history.csv"),
            "html": str(out / "locust.html"),
            "samples_csv": str(out / "samples.csv"),
        },
    }


def _p95(step: dict[str, Any]) -> float:
    return step["endpoints"].get(ALL, {}).get("p95", 0.0)


def _endpoint_table(step: dict[str, Any], limit: float) -> list[str]:
    lines = [
        f"  {'endpoint':<46} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>7} {'p95/limit':>9}"
    ]
    for name, e in step["endpoints"].items():
        lines.append(
            f"  {name:<46} {e['rps']:>6.1f} {e['p50']:>7.1f} {e['p95']:>7.1f} {e['p99']:>7.1f} "
            f"{e['error_rate']:>7.1%} {e['p95'] / limit:>9.2f}"
        )
    lag, live = step["event_lag_ms"], step["live_lag_ms"]
    lines.append(
        f"  event lag commit→consumer (process.completed, n={lag['n']}): p50 {lag['p50']:.0f} ms, "
        f"p95 {lag['p95']:.0f} ms, p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms"
    )
    lines.append(
        f"  live feed lag commit→dashboard (SSE, n={live['n']}): p50 {live['p50']:.0f} ms, "
        f"p95 {live['p95']:.0f} ms, max {live['max']:.0f} ms"
    )
    return lines


def _headline(title: str, step: dict[str, Any], summary: dict[str, Any]) -> str:
    a = step["endpoints"].get(ALL, {"rps": 0.0, "p50": 0.0, "p95": 0.0})
    return (
        f"\n{title} — step {step['index']}, {step['users']} users, {step['seconds']:.0f}s: "
        f"{a['rps']:.1f} req/s = {a['rps'] / summary['required_tps']:.2f}x the "
        f"{summary['required_tps']:g} TPS requirement; median (p50) {a['p50']:.0f} ms, "
        f"p95 {a['p95']:.0f} ms = {a['p95'] / summary['p95_limit_ms']:.2f}x the "
        f"{summary['p95_limit_ms']:g} ms limit"
    )


def render(summary: dict[str, Any]) -> str:
    limit = summary["p95_limit_ms"]
    lines = [
        "\nbefore: " + describe(summary["conditions_before"]),
        "after:  " + describe(summary["conditions_after"]),
        f"stopped by: {summary['stopped_by']}; pace {summary['pace']:g}",
        f"\n  {'step':>4} {'users':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>7} {'lag p95':>8} {'live p95':>9}",
    ]
    for s in summary["steps"]:
        a = s["endpoints"].get(ALL)
        if not a:
            continue
        lines.append(
            f"  {s['index']:>4} {s['users']:>6} {a['rps']:>7.1f} {a['p50']:>7.1f} {a['p95']:>7.1f} "
            f"{a['p99']:>7.1f} {a['error_rate']:>7.1%} {s['event_lag_ms']['p95']:>8.0f} "
            f"{s['live_lag_ms']['p95']:>9.0f}"
        )
    steps = summary["steps"]
    if steps:
        lines.append(_headline("at the 20 TPS model", steps[0], summary))
        lines += _endpoint_table(steps[0], limit)
    knee = summary["knee_index"]
    if knee is None:
        top = steps[-1] if steps else None
        lines.append(f"\nno knee: p95 stayed under {limit:g} ms up to the last step")
        if top and top is not steps[0]:
            lines.append(_headline("at the last step", top, summary))
            lines += _endpoint_table(top, limit)
    elif knee == 0:
        lines.append(f"\nthe knee: the first step already has p95 > {limit:g} ms (above)")
    else:
        lines.append(
            _headline(f"at the knee (first step with p95 > {limit:g} ms)", steps[knee], summary)
        )
        lines += _endpoint_table(steps[knee], limit)
    if summary["station_starved_seconds"]:
        lines.append(
            f"\nnote: stations waited {summary['station_starved_seconds']:.0f} station-seconds "
            "for LOTs (seed more with a smaller --step or shorter --minutes)"
        )
    if summary.get("client_cpu_warnings"):
        lines.append(
            "\nwarning: locust reported its own CPU above 90 % "
            f"({summary['client_cpu_warnings']}x): the last steps measure the client too"
        )
    for e in summary["errors"]:
        lines.append(f"\nFAILED {e['count']}x {e['endpoint']} → {e['status']}: {e['body']}")
    for line in summary.get("errors_logged_by_services", []):
        lines.append(f"service log: {line}")
    return "\n".join(lines)
