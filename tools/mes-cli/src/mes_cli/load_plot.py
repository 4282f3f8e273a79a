"""Latency against load for a `./mes load` run: p50 and p95 (all requests, and process
start) against the achieved request rate of each step, as hand-written SVG in one HTML file."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from .load_report import ALL

W, H = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 40, 60
START = "POST /api/v1/process/start"
SERIES = (  # (endpoint, percentile, colour, dashed)
    (ALL, "p50", "#1f77b4", False),
    (ALL, "p95", "#d62728", False),
    (START, "p95", "#ff7f0e", True),
)


def _ticks(high: float, count: int = 5) -> list[float]:
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(high / step) + 2) if i * step <= high * 1.0001]


def svg(summary: dict[str, Any]) -> str:
    steps = [s for s in summary["steps"] if ALL in s["endpoints"]]
    limit, required = summary["p95_limit_ms"], summary["required_tps"]
    xs = [s["endpoints"][ALL]["rps"] for s in steps]
    ys = [
        s["endpoints"][name][q]
        for s in steps
        for name, q, _, _ in SERIES
        if name in s["endpoints"] and not math.isnan(s["endpoints"][name][q])
    ]
    x_high = max([*xs, required]) * 1.15
    y_high = max([*ys, limit]) * 1.15

    def px(x: float) -> float:
        return LEFT + x / x_high * (W - LEFT - RIGHT)

    def py(y: float) -> float:
        return H - BOTTOM - y / y_high * (H - TOP - BOTTOM)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">'
        "Latency against load (one point per step, label = users)</text>",
    ]
    for t in _ticks(x_high):
        parts.append(
            f'<line x1="{px(t):.1f}" y1="{TOP}" x2="{px(t):.1f}" y2="{H - BOTTOM}" stroke="#eee"/>'
            f'<text x="{px(t):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{t:g}</text>'
        )
    for t in _ticks(y_high):
        parts.append(
            f'<line x1="{LEFT}" y1="{py(t):.1f}" x2="{W - RIGHT}" y2="{py(t):.1f}" stroke="#eee"/>'
            f'<text x="{LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>'
        )
    parts += [
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="black"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="black"/>',
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 18}" text-anchor="middle">'
        "achieved requests/s (all endpoints)</text>",
        f'<text x="16" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(TOP + H - BOTTOM) / 2})">latency (ms)</text>',
        f'<line x1="{LEFT}" y1="{py(limit):.1f}" x2="{W - RIGHT}" y2="{py(limit):.1f}" '
        'stroke="#555" stroke-dasharray="6 4"/>',
        f'<text x="{W - RIGHT - 4}" y="{py(limit) - 5:.1f}" text-anchor="end" fill="#555">'
        f"p95 limit {limit:g} ms</text>",
        f'<line x1="{px(required):.1f}" y1="{TOP}" x2="{px(required):.1f}" y2="{H - BOTTOM}" '
        'stroke="#555" stroke-dasharray="2 4"/>',
        f'<text x="{px(required) + 4:.1f}" y="{TOP + 12}" fill="#555">{required:g} TPS</text>',
    ]
    for row, (name, q, colour, dashed) in enumerate(SERIES):
        points = [
            (px(s["endpoints"][ALL]["rps"]), py(s["endpoints"][name][q]), s["users"])
            for s in steps
            if name in s["endpoints"] and not math.isnan(s["endpoints"][name][q])
        ]
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        for x, y, users in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
            if q == "p95" and name == ALL:
                parts.append(f'<text x="{x + 5:.1f}" y="{y - 6:.1f}" fill="#333">{users}</text>')
        ly = TOP + 10 + row * 16
        parts.append(
            f'<line x1="{LEFT + 12}" y1="{ly}" x2="{LEFT + 36}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2"{dash}/><text x="{LEFT + 42}" y="{ly + 4}">'
            f"{html.escape(q)} {html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def write(path: Path, summary: dict[str, Any]) -> Path:
    """latency.svg next to `path`, and `path`: an HTML page with the plot and its table."""
    image = svg(summary)
    path.with_suffix(".svg").write_text(image)
    rows = "".join(
        f"<tr><td>{s['index']}</td><td>{s['users']}</td>"
        f"<td>{s['endpoints'][ALL]['rps']:.1f}</td><td>{s['endpoints'][ALL]['p50']:.1f}</td>"
        f"<td>{s['endpoints'][ALL]['p95']:.1f}</td><td>{s['endpoints'][ALL]['p99']:.1f}</td>"
        f"<td>{s['endpoints'][ALL]['error_rate']:.1%}</td></tr>"
        for s in summary["steps"]
        if ALL in s["endpoints"]
    )
    c = summary["conditions_before"]
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>MES load: latency against load</title>"
        "<body style='font-family:sans-serif'>"
        f"{image}<p>{c['cpus']} CPUs, load average {c['load_average'][0]:.2f} before the run, "
        f"{html.escape(c['at'])}; stopped by {html.escape(summary['stopped_by'])}.</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>step</th><th>users</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th>"
        f"<th>p99 ms</th><th>errors</th></tr>{rows}</table></body>"
    )
    return path
