"""Each service's log lines carry its own name, in both modes: in single mode every
service shares one process and one log file, and a line must still say which one wrote it."""

from __future__ import annotations

import json

from mes_cli.stack import SERVICES, Stack


def _lines(stack: Stack, name: str) -> list[dict]:
    out = []
    for line in stack.log_file(name).read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def test_every_service_logs_its_start_under_its_own_name(stack: Stack) -> None:
    for spec in SERVICES:
        started = [
            line
            for line in _lines(stack, spec.name)
            if line.get("event") == "service started"
            and line.get("port") == stack.services[spec.name].port
        ]
        assert started, f"no start line of {spec.name} in {stack.log_file(spec.name)}"
        assert {line["service"] for line in started} == {spec.name}
