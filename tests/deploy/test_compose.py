"""deploy/compose: interpolated with each .env example as `docker compose config` does
(YAML merge keys, ${VAR:-default}, ${VAR:?error}), validated by the compose-spec parser
(PyPI `compose-spec`: strict types, unknown keys refused), plus the references and the
rules of the issue (only the gateway published, Redis AOF, a one-shot migration…)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from compose_spec import PyCompose
from mes_cli.stack import SERVICES

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose"
ENV_FILES = sorted(COMPOSE.glob(".env.*.example"))
MES = [s.name for s in SERVICES] + ["gateway"]
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}")


def parse(config: dict) -> PyCompose:
    return PyCompose.from_json(json.dumps(config))


class MissingVariable(ValueError):
    pass


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def interpolate(value: str, env: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        current = env.get(name)
        unset_or_empty = current is None or (
            op is not None and op.startswith(":") and current == ""
        )
        if op in ("-", ":-"):
            return interpolate(arg, env) if unset_or_empty else current
        if op in ("?", ":?"):
            if unset_or_empty:
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    previous = None
    while previous != value:
        previous, value = value, _VAR.sub(one, value)
    return value.replace("$$", "$")


def walk(node, env):
    if isinstance(node, dict):
        return {k: walk(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [walk(v, env) for v in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def load(env: dict[str, str], *files: str) -> dict:
    merged: dict = {}
    for name in files or ("docker-compose.yml",):
        doc = walk(yaml.safe_load((COMPOSE / name).read_text()), env)
        for key, value in doc.items():
            if key == "services" and "services" in merged:
                for svc, conf in value.items():
                    base = merged["services"].setdefault(svc, {})
                    for k, v in conf.items():
                        base[k] = (
                            base.get(k, []) + v if isinstance(v, list) and k != "command" else v
                        )
            else:
                merged[key] = value
    return {k: v for k, v in merged.items() if not k.startswith("x-")}


def active(config: dict, env: dict[str, str]) -> set[str]:
    profiles = {p for p in env.get("COMPOSE_PROFILES", "").split(",") if p}
    return {
        n
        for n, s in config["services"].items()
        if not s.get("profiles") or set(s["profiles"]) & profiles
    }


@pytest.fixture(params=ENV_FILES, ids=[p.name for p in ENV_FILES])
def env(request) -> dict[str, str]:
    return read_env(request.param)


def test_two_env_examples_exist():
    assert {p.name for p in ENV_FILES} == {".env.onprem.example", ".env.aws.example"}


def test_validates_against_the_compose_spec(env):
    config = load(env)
    compose = parse(config)
    compose.validate()
    assert set(compose.service_names()) >= {
        *MES,
        "migrate",
        "backup",
        "postgres",
        "redis",
        "minio",
        "prometheus",
        "grafana",
    }
    with_grafana = parse(load(env, "docker-compose.yml", "docker-compose.grafana.yml"))
    with_grafana.validate()


def test_the_validator_refuses_a_misspelt_key(env):
    config = load(env)
    config["services"]["gateway"]["restrat"] = "always"
    with pytest.raises(ValueError, match="restrat"):
        parse(config)


def test_required_settings_are_enforced():
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        load({"MES_VERSION": "0.1.0"})


def test_references_resolve(env):
    config = load(env)
    services, running = config["services"], active(config, env)
    for name, svc in services.items():
        depends = svc.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        for dep, cond in depends.items():
            assert dep in services, (name, dep)
            if dep not in running:
                assert cond.get("required") is False, f"{name} needs {dep}, off in this profile"
        for net in svc.get("networks", []):
            assert net in config["networks"], (name, net)
        for secret in svc.get("secrets", []):
            assert secret in config["secrets"], (name, secret)
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                if source.startswith("."):
                    assert (COMPOSE / source).exists(), (name, source)
            else:
                assert source in config["volumes"], (name, source)


def test_only_the_gateway_publishes_a_port(env):
    config = load(env)
    published = {n for n, s in config["services"].items() if s.get("ports")}
    assert published == {"gateway"}
    assert config["services"]["gateway"]["ports"][0].endswith(":8000")
    assert config["networks"]["backend"]["internal"] is True
    for store in ("postgres", "redis", "minio"):
        assert config["services"][store]["networks"] == ["backend"]
    grafana = load(env, "docker-compose.yml", "docker-compose.grafana.yml")["services"]["grafana"]
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]


def test_the_issue_s_requirements(env):
    config = load(env)
    s = config["services"]
    assert int(s["postgres"]["image"].split(":")[1].split("-")[0]) >= 15
    assert s["redis"]["image"].startswith("redis:7")
    assert "--appendonly" in s["redis"]["command"] and "noeviction" in s["redis"]["command"]
    assert s["migrate"]["command"] == ["migrate"] and s["migrate"]["restart"] == "no"
    image = s["gateway"]["image"]
    for name in MES:
        assert s[name]["image"] == image and s[name]["command"] == [name]
        assert s[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert s[name]["deploy"]["resources"]["limits"] == {"cpus": "1.0", "memory": "512M"}
        assert s[name]["stop_grace_period"] == "40s"
        assert "healthcheck" not in s[name], "the image's HEALTHCHECK applies"
    assert s["backup"]["command"][:2] == ["backup", "--schedule"]
    assert "--keep-days" in s["backup"]["command"]
    # Prometheus loads the shared rules; Grafana provisions the shared dashboards.
    assert any("observability/prometheus/mes-alerts.yml" in v for v in s["prometheus"]["volumes"])
    assert any("observability/grafana/dashboards" in v for v in s["grafana"]["volumes"])


def test_env_examples_hold_no_real_secret():
    for path in ENV_FILES:
        for key, value in read_env(path).items():
            if any(word in key for word in ("PASSWORD", "SECRET", "_KEY")) and not key.endswith(
                "_PATH"
            ):
                assert value in ("CHANGE_ME", "unused", "mes-firmware") or "CHANGE_ME" in value, (
                    path.name,
                    key,
                )
            if key.endswith("_URL"):
                assert "CHANGE_ME" in value, (path.name, key)
