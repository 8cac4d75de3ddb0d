"""Offline checks of ``deploy/k8s/monitoring``: the PodMonitor scrapes what the services serve, every alert and
dashboard query names metrics the code exposes, and the dashboard's ConfigMap is valid Kubernetes.

The Prometheus Operator's kinds are custom resources (no schema ships with ``kubernetes-validate``), so their shape
is checked here field by field against what the operator's CRDs (monitoring.coreos.com/v1) require; PromQL is not
parsed, but every metric name in it must be one that a service's ``/metrics`` exposes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from litestar import Litestar
from prometheus_client import REGISTRY

from deskpilot.supervisor import SERVICES
from libs.platform import metrics
from tests.deploy.test_manifests import K8S, K8S_VERSION, Doc, load_docs, rendered

MONITORING = K8S / "monitoring"
FIELDS = {"apiVersion", "kind", "resources", "configMapGenerator", "generatorOptions"}


def render_monitoring() -> list[Doc]:
    """``kustomize build deploy/k8s/monitoring`` for the fields it uses (a generator without name hashes)."""
    kustomization = load_docs(MONITORING / "kustomization.yaml")[0]
    assert set(kustomization) <= FIELDS, f"the test renderer does not apply {set(kustomization) - FIELDS}"
    docs = [d for entry in kustomization["resources"] for d in load_docs(MONITORING / entry)]
    options = kustomization.get("generatorOptions", {})
    assert options.get("disableNameSuffixHash") is True
    for generator in kustomization.get("configMapGenerator", []):
        data = {Path(f).name: (MONITORING / f).read_text() for f in generator["files"]}
        metadata = {"name": generator["name"], "labels": dict(options.get("labels", {}))}
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data})
    return docs


def exposed_names() -> set[str]:
    """Every sample name a service's ``/metrics`` can show: the registry's families with their suffixes."""
    assert metrics.HTTP_REQUESTS  # the module is imported, so its metrics are registered
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}
        names.update(family.name + s for s in suffixes.get(family.type, ()))
        names.update(s.name for s in family.samples)
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers followed by a selector, a range or the end, excluding
    functions, keywords and label names (those sit inside braces or ``by (…)``)."""
    without_labels = re.sub(r"\{[^}]*\}", "{}", expr)
    without_groupings = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_labels)
    tokens = {
        m.group(0)
        for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_groupings)
        if not without_groupings[m.end() :].lstrip().startswith("(")  # a function
    }
    keywords = {"and", "or", "unless", "offset", "bool", "le", "inf", "Inf", "NaN", "rate_interval", "__rate_interval"}
    return {t for t in tokens if t not in keywords and "_" in t and not t.startswith("__")}


def by_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def test_core_documents_are_valid_kubernetes() -> None:
    for doc in render_monitoring():
        if doc["apiVersion"] == "v1":
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_pod_monitor_scrapes_every_service_and_nothing_else() -> None:
    monitor = by_kind(render_monitoring(), "PodMonitor")
    assert len(monitor) == 1
    spec = monitor[0]["spec"]
    assert monitor[0]["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(spec) <= {"selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel"}
    (endpoint,) = spec["podMetricsEndpoints"]
    assert endpoint["path"] == "/metrics"
    selector = spec["selector"]
    for dep in (d for d in rendered("base") if d["kind"] == "Deployment"):
        template = dep["spec"]["template"]
        labels: dict[str, str] = template["metadata"]["labels"]
        component = labels["app.kubernetes.io/component"]
        matches = selector["matchLabels"].items() <= labels.items() and all(
            labels.get(e["key"]) in e["values"] for e in selector["matchExpressions"] if e["operator"] == "In"
        )
        assert matches == (component in SERVICES), f"{dep['metadata']['name']}: scraped {matches}"
        if matches:
            ports = {p["name"] for p in template["spec"]["containers"][0]["ports"]}
            assert endpoint["port"] in ports


def test_the_services_serve_what_is_scraped() -> None:
    from libs.platform.http import build_app

    assert "/metrics" in {route.path for route in _probe_app(build_app).routes}


def _probe_app(build_app: Any) -> Litestar:
    from sqlalchemy import MetaData

    from libs.platform.runtime import ServiceRuntime
    from libs.platform.settings import ServiceSettings

    app: Litestar = build_app(ServiceRuntime("probe", ServiceSettings(), MetaData(schema="probe"), []), [])
    return app


def test_alert_rules_are_well_formed_and_name_exposed_metrics() -> None:
    rules = by_kind(render_monitoring(), "PrometheusRule")
    assert len(rules) == 1
    exposed = exposed_names()
    alerts: set[str] = set()
    for group in rules[0]["spec"]["groups"]:
        assert set(group) <= {"name", "interval", "rules"}
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"Deskpilot[A-Za-z]+", rule["alert"])
            assert rule["labels"]["severity"] in {"info", "warning", "critical"}
            assert rule["annotations"]["summary"]
            if "for" in rule:
                assert re.fullmatch(r"\d+[smh]", rule["for"])
            names = metric_names(str(rule["expr"]))
            assert names, rule["alert"]
            assert names <= exposed, f"{rule['alert']} names metrics no service exposes: {names - exposed}"
            alerts.add(rule["alert"])
    wanted = {"DeskpilotConsumerLagHigh", "DeskpilotDeadLettersGrowing", "DeskpilotHttpErrorRate"}
    assert wanted | {"DeskpilotModelCostSpike"} <= alerts


def test_the_dashboard_queries_exposed_metrics() -> None:
    (config_map,) = by_kind(render_monitoring(), "ConfigMap")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(config_map["data"]["dashboard.json"])
    assert dashboard["uid"]
    assert dashboard["title"]
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    exposed, queried = exposed_names(), set()
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names <= exposed, f"panel {panel['title']!r}: {names - exposed}"
            queried |= names
    for needed in ("deskpilot_consumer_lag", "deskpilot_dead_letters_total", "deskpilot_model_cost_usd_total"):
        assert needed in queried


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum(rate(deskpilot_http_requests_total{status=~"5.."}[5m]))', {"deskpilot_http_requests_total"}),
        ("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 60", {"x_bucket"}),
        ("max by (consumer) (deskpilot_consumer_lag) > 0 and on (x) y_total", {"deskpilot_consumer_lag", "y_total"}),
    ],
)
def test_metric_names_are_found_in_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_the_readme_says_how_to_apply_it() -> None:
    readme = (K8S / "README.md").read_text()
    assert "kubectl apply -k deploy/k8s/monitoring" in readme
    assert yaml.safe_load((MONITORING / "kustomization.yaml").read_text())["kind"] == "Kustomization"
