"""deploy/observability: the alert rules carry the spec's four thresholds, every PromQL
expression (rules and dashboard panels) parses, the dashboards show what the issue lists,
and thresholds agree with the resource limits of compose and Kubernetes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser
import yaml

REPO = Path(__file__).resolve().parents[2]
OBS = REPO / "deploy" / "observability"
MACROS = {
    "$__rate_interval": "1m",
    "$__interval": "1m",
    "$__range": "1d",
    "$service": ".*",
    "$group": ".*",
}


def rules() -> dict[str, dict]:
    doc = yaml.safe_load((OBS / "prometheus" / "mes-alerts.yml").read_text())
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"]}


def dashboards() -> dict[str, dict]:
    return {
        p.name: json.loads(p.read_text()) for p in (OBS / "grafana" / "dashboards").glob("*.json")
    }


def panel_exprs(board: dict) -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in board["panels"] for t in p.get("targets", [])]


def expand(expr: str) -> str:
    for macro, value in MACROS.items():
        expr = expr.replace(macro, value)
    return expr


def test_every_expression_parses():
    for name, rule in rules().items():
        promql_parser.parse(rule["expr"]), name
    for board in dashboards().values():
        for title, expr in panel_exprs(board):
            assert promql_parser.parse(expand(expr)), title


def test_the_spec_s_alerts_and_thresholds():
    r = rules()
    cpu = r["MesCpuHigh"]
    assert "process_cpu_seconds_total" in cpu["expr"] and cpu["expr"].strip().endswith("> 0.8")
    assert cpu["for"] == "5m"
    memory = r["MesMemoryHigh"]
    assert re.search(r">\s*0\.85 \* 536870912", memory["expr"])
    p95 = r["MesApiLatencyP95High"]
    assert "histogram_quantile(0.95" in p95["expr"] and p95["expr"].strip().endswith("> 0.5")
    errors = r["MesApiErrorRateHigh"]
    assert 'status=~"5.."' in errors["expr"] and "> 0.01" in errors["expr"]
    for rule in r.values():
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]


def test_memory_threshold_matches_the_limits():
    """The alert's 512 MiB is the limit of every MES container in compose and Kubernetes."""
    compose = yaml.safe_load((REPO / "deploy/compose/docker-compose.yml").read_text())
    assert compose["x-mes-service"]["deploy"]["resources"]["limits"]["memory"] == "512M"
    for path in (REPO / "deploy/k8s/base/services").glob("*.yaml"):
        deployment = next(
            d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Deployment"
        )
        limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        assert limits == {"cpu": "1", "memory": "512Mi"}, path.name


def test_dashboards_show_what_operations_need():
    boards = dashboards()
    assert set(boards) == {"mes-api.json", "mes-events.json"}
    uids = [b["uid"] for b in boards.values()]
    assert len(set(uids)) == len(uids)
    titles = {p["title"]: (name, p) for name, b in boards.items() for p in b["panels"]}
    for needed in (
        "P95 latency per route",
        "Error rate per route (5xx)",
        "Event lag P95 per consumer group",
        "Pending messages per consumer group",
        "Dead-lettered per stream",
        "Process starts today",
        "Process completions today",
        "Defects today",
        "CPU per process",
    ):
        assert needed in titles, needed
    for name, board in boards.items():
        assert {v["name"] for v in board["templating"]["list"]} >= {"datasource"}
        for panel in board["panels"]:
            if panel.get("targets"):
                assert panel["datasource"]["uid"] == "${datasource}", (name, panel["title"])
    # "Today" is the factory's day.
    assert titles["Process starts today"][1]["timeFrom"] == "now/d"
    assert boards["mes-events.json"]["timezone"] == "Asia/Seoul"
    by_route = [e for t, e in panel_exprs(boards["mes-api.json"]) if t == "P95 latency per route"]
    assert "route" in by_route[0] and "mes_http_request_duration_seconds_bucket" in by_route[0]
