"""The Grafana dashboards and the Prometheus alert rules in deploy/observability name only
metrics the running services really export: every service of the e2e stack is scraped
and each metric name used in a PromQL expression must be one of its samples (or a
histogram's _bucket/_sum/_count, a counter's _total). `up` is Prometheus's own."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import promql_parser
import yaml
from mes_cli.stack import Stack
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
OBS = REPO / "deploy" / "observability"
MACROS = {
    "$__rate_interval": "1m",
    "$__interval": "1m",
    "$__range": "1d",
    "$service": ".*",
    "$group": ".*",
}
PROMETHEUS_OWN = {"up"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "untyped": ("",),
}


def used_metric_names() -> dict[str, set[str]]:
    """Metric name → where it is used (alert names, dashboard panel titles)."""
    exprs = []
    rules = yaml.safe_load((OBS / "prometheus" / "mes-alerts.yml").read_text())
    exprs += [(f"alert {r['alert']}", r["expr"]) for g in rules["groups"] for r in g["rules"]]
    for path in (OBS / "grafana" / "dashboards").glob("*.json"):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            exprs += [
                (f"{path.name}: {panel['title']}", t["expr"]) for t in panel.get("targets", [])
            ]
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                q = var["query"]["query"]  # label_values(metric, label)
                exprs.append((f"{path.name}: ${var['name']}", q.split("(", 1)[1].split(",")[0]))
    used: dict[str, set[str]] = {}
    for where, expr in exprs:
        for macro, value in MACROS.items():
            expr = expr.replace(macro, value)
        names: list[str] = []

        def visit(node, names=names):
            if isinstance(node, promql_parser.VectorSelector) and node.name:
                names.append(node.name)

        promql_parser.walk(promql_parser.parse(expr), visit)
        for name in names:
            used.setdefault(name, set()).add(where)
    return used


def exported_names(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
        names.update(s.name for s in family.samples)
    return names


def test_dashboards_and_alerts_use_only_exported_metrics(stack: Stack):
    exported: dict[str, set[str]] = {}
    for name, svc in stack.services.items():
        r = httpx.get(f"{svc.url}/metrics", timeout=10)
        assert r.status_code == 200, name
        exported[name] = exported_names(r.text)
    everywhere = set.union(*exported.values())
    used = used_metric_names()
    assert len(used) >= 10  # the files were read
    missing = {m: sorted(w) for m, w in used.items() if m not in everywhere | PROMETHEUS_OWN}
    assert not missing, f"not exported by any service: {missing}"
    # The per-process metrics the CPU/memory alerts use come from every service.
    for name, names in exported.items():
        assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= names, name
        assert "mes_http_requests_total" in names, name
    # Consuming services export the backbone's metrics (the gateway consumes audit events).
    for name in ("trace-service", "gateway"):
        assert {
            "mes_events_consumed_total",
            "mes_stream_pending_messages",
            "mes_event_lag_seconds_bucket",
        } <= exported[name]


def test_the_check_would_catch_a_typo():
    assert "mes_http_request_duration_seconds_bucket" in used_metric_names()
    text = '# HELP x_seconds d\n# TYPE x_seconds histogram\nx_seconds_bucket{le="+Inf"} 1\nx_seconds_sum 1\nx_seconds_count 1\n'
    names = exported_names(text)
    assert {"x_seconds_bucket", "x_seconds_sum", "x_seconds_count"} <= names
    assert "x_second_bucket" not in names
