"""Offline checks of the deployment artefacts: the Dockerfile, docker-compose.yml, the nginx gateway and deploy/k8s.

The kustomize base and the dev overlay are rendered here, without a kustomize binary, by a loader that understands
exactly the kustomization fields the artefacts use (``resources``, ``replicas``, ``patches`` with strategic-merge
patches) and refuses any other, so a new field cannot be silently ignored. Every rendered document is validated
against the Kubernetes OpenAPI schemas shipped by ``kubernetes-validate``.

The routing table the artefacts must implement is the one of ``deskpilot up``'s gateway (``deskpilot.gateway.ROUTES``
for the API, ``PAGES`` and ``/`` for the web front end).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any, cast

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import make_url

from deskpilot.database_roles import SERVICE_ROLE
from deskpilot.gateway import PAGE_FILES, PAGES, ROUTES, route
from deskpilot.gateway_limits import API_CSP, GatewaySettings
from deskpilot.supervisor import SERVICES, WEB

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.30"
RENDERS = ("base", "overlays/dev")
SERVICE_PORT = 8000
TMP = "/tmp"  # noqa: S108 - the writable scratch mount of read-only containers, not a temp file
ENV_VARS = (
    "DATABASE_URL",
    "NATS_URL",
    "NATS_CREDENTIALS_DIR",
    "DESKPILOT_HTTP_HOST",
    "DESKPILOT_HTTP_PORT",
    "DESKPILOT_LOG_LEVEL",
    "DESKPILOT_STREAM_REPLICAS",
)

Doc = dict[str, Any]


# --- the routing oracle -------------------------------------------------------------------------------------------


def gateway_service(path: str) -> str | None:
    """Which process owns ``path``: the rule of ``deskpilot.gateway.Gateway.route`` (whole path elements)."""
    return route(path)


def sample_paths() -> list[str]:
    """Paths that must reach their service, and paths that must reach none."""
    paths: set[str] = set()
    for prefix in ROUTES:
        base = prefix.rstrip("/")
        if not prefix.endswith("/"):
            paths.add(base)
        paths.update({base + "/", base + "/01abc", base + "/01abc/messages"})
    for service in SERVICES:
        paths.update({f"/v1/{service}/healthz", f"/v1/{service}/readyz"})
    paths.update({"/v1/agents", "/v1/conversationsx", "/v1/ticketsx/1", "/v1/billingx", "/v1/other", "/"})
    for page in [*PAGES, *PAGE_FILES]:
        paths.update({page, page.rstrip("/") + "/", page + "/x", page + "x"})
    paths.update({"/widget/demo", "/inbox/tickets/tkt_1", "/console/analytics", "/web/static/app.css", "/favicon.ico"})
    return sorted(paths)


def test_routing_table_covers_every_service() -> None:
    assert set(ROUTES.values()) == set(SERVICES)
    for service in SERVICES:
        assert gateway_service(f"/v1/{service}/healthz") == service
    assert gateway_service("/v1/conversations") == "conversation"
    assert gateway_service("/v1/agents") is None


# --- kustomize, without kustomize ---------------------------------------------------------------------------------

KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "replicas", "patches"}


def load_docs(path: Path) -> list[Doc]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: every document must be a mapping"
    return cast(list[Doc], docs)


def strategic_merge(target: Any, patch: Any) -> Any:
    """A strategic-merge patch as kustomize applies those used here: maps merge, lists of named maps merge by name."""
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = dict(target)
        for key, value in patch.items():
            merged[key] = strategic_merge(target[key], value) if key in target else value
        return merged
    named = isinstance(target, list) and isinstance(patch, list)
    if named and all(isinstance(x, dict) and "name" in x for x in [*target, *patch]):
        out = list(target)
        for item in patch:
            at = next((i for i, x in enumerate(out) if x["name"] == item["name"]), None)
            if at is None:
                out.append(item)
            else:
                out[at] = strategic_merge(out[at], item)
        return out
    return patch


def select(docs: list[Doc], target: dict[str, str]) -> list[int]:
    assert set(target) <= {"kind", "name"}, f"unsupported patch target fields: {target}"
    return [
        i
        for i, d in enumerate(docs)
        if d["kind"] == target.get("kind", d["kind"])
        and d["metadata"]["name"] == target.get("name", d["metadata"]["name"])
    ]


def render(directory: Path) -> list[Doc]:
    """``kustomize build directory`` for the subset of kustomize the artefacts use."""
    kustomization = load_docs(directory / "kustomization.yaml")[0]
    assert kustomization["kind"] == "Kustomization"
    unsupported = set(kustomization) - KUSTOMIZATION_FIELDS
    assert not unsupported, f"{directory}: the test renderer does not apply {sorted(unsupported)}"
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        source = (directory / entry).resolve()
        docs.extend(render(source) if source.is_dir() else load_docs(source))
    for replica in kustomization.get("replicas", []):
        found = select(docs, {"kind": "Deployment", "name": replica["name"]})
        assert found, f"{directory}: replicas names no Deployment {replica['name']}"
        for i in found:
            docs[i]["spec"]["replicas"] = replica["count"]
    for entry in kustomization.get("patches", []):
        assert set(entry) <= {"path", "target"}, f"{directory}: unsupported patch form {entry}"
        patch = load_docs(directory / entry["path"])[0]
        target = entry.get("target") or {"kind": patch["kind"], "name": patch["metadata"]["name"]}
        if "target" in entry:  # kustomize ignores the patch's own name when a target selects the objects
            patch = {**patch, "metadata": {k: v for k, v in patch["metadata"].items() if k != "name"}}
        found = select(docs, target)
        assert found, f"{directory}: patch {entry['path']} matches nothing"
        for i in found:
            assert docs[i]["kind"] == patch["kind"], f"{entry['path']} is a {patch['kind']} patch"
            docs[i] = strategic_merge(docs[i], patch)
    ids = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(ids) == len(set(ids)), f"{directory}: duplicate resources {ids}"
    return docs


@cache
def rendered_json(name: str) -> str:
    return json.dumps(render(K8S / name))


def rendered(name: str) -> list[Doc]:
    """A fresh copy of a render (tests may not share mutable documents)."""
    return cast(list[Doc], json.loads(rendered_json(name)))


def one(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def deployment(docs: list[Doc], service: str) -> Doc:
    return one(docs, "Deployment", f"deskpilot-{service}")


def container(dep: Doc) -> Doc:
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return cast(Doc, containers[0])


CPU_UNITS = {"m": 1e-3, "": 1.0}
MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9, "": 1}


def quantity(value: str | int | float, units: dict[str, float]) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, f"unparsed quantity {value!r}"
    assert match.group(2) in units, f"unknown unit in {value!r}"
    return float(match.group(1)) * units[match.group(2)]


def resources(dep: Doc) -> dict[str, dict[str, float]]:
    res = container(dep)["resources"]
    return {
        kind: {"cpu": quantity(res[kind]["cpu"], CPU_UNITS), "memory": quantity(res[kind]["memory"], MEMORY_UNITS)}
        for kind in ("requests", "limits")
    }


def test_renderer_applies_patches_and_rejects_unknown_fields(tmp_path: Path) -> None:
    """The renderer itself: a dev-style overlay changes what it says, and an unsupported field fails loudly."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("kind: Kustomization\nresources: [d.yaml]\n")
    (tmp_path / "base" / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 3\n  template:\n"
        "    spec:\n      containers: [{name: c, image: i, resources: {requests: {cpu: 1}}}, {name: d, image: j}]\n"
    )
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "kustomization.yaml").write_text(
        "kind: Kustomization\nresources: [../base]\nreplicas: [{name: x, count: 1}]\n"
        "patches: [{path: p.yaml, target: {kind: Deployment}}]\n"
    )
    (tmp_path / "dev" / "p.yaml").write_text(
        "kind: Deployment\nmetadata: {name: ignored}\n"
        "spec: {template: {spec: {containers: [{name: c, resources: {requests: {cpu: 10m}}}]}}}\n"
    )
    (doc,) = render(tmp_path / "dev")
    assert doc["metadata"]["name"] == "x"
    assert doc["spec"]["replicas"] == 1
    first, second = doc["spec"]["template"]["spec"]["containers"]
    assert first == {"name": "c", "image": "i", "resources": {"requests": {"cpu": "10m"}}}
    assert second == {"name": "d", "image": "j"}
    (tmp_path / "dev" / "kustomization.yaml").write_text("kind: Kustomization\nresources: [../base]\nimages: []\n")
    with pytest.raises(AssertionError, match="does not apply"):
        render(tmp_path / "dev")


# --- Kubernetes: schema validity -----------------------------------------------------------------------------------


def test_kubernetes_validate_has_the_target_version() -> None:
    versions = {v.rsplit(".", 1)[0] for v in kubernetes_validate.utils.all_versions()}
    assert K8S_VERSION in versions


@pytest.mark.parametrize("name", RENDERS)
def test_every_rendered_document_is_valid_kubernetes(name: str) -> None:
    docs = rendered(name)
    kinds = {d["kind"] for d in docs}
    assert {"ConfigMap", "Deployment", "Service", "Ingress", "PodDisruptionBudget"} <= kinds
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_schema_validation_rejects_a_broken_deployment() -> None:
    """Guards the guard: the strict validation above does catch a misspelt field."""
    doc = deployment(rendered("base"), "agent")
    container(doc)["livenessProbes"] = container(doc).pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_example_secret_is_valid_and_not_applied() -> None:
    example = K8S / "base" / "secret.example.yaml"
    (secret,) = load_docs(example)
    kubernetes_validate.validate(secret, K8S_VERSION, strict=True)
    assert secret["metadata"]["name"] == "deskpilot-secrets"
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    kustomization = load_docs(K8S / "base" / "kustomization.yaml")[0]
    assert example.name not in kustomization["resources"]
    for name in RENDERS:
        assert not [d for d in rendered(name) if d["kind"] == "Secret"], "no Secret with credentials may be applied"


# --- Kubernetes: the services -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RENDERS)
@pytest.mark.parametrize("service", SERVICES)
def test_service_deployment(name: str, service: str) -> None:
    docs = rendered(name)
    dep = deployment(docs, service)
    pod = dep["spec"]["template"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    c = container(dep)
    assert c["args"][:2] == ["serve", service]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": SERVICE_PORT}
    if "--port" in c["args"]:
        assert c["args"][c["args"].index("--port") + 1] == str(SERVICE_PORT)

    for probe, path in (("livenessProbe", "healthz"), ("readinessProbe", "readyz"), ("startupProbe", "healthz")):
        get = c[probe]["httpGet"]
        assert get["path"] == f"/v1/{service}/{path}", probe
        assert ports.get(get["port"], get["port"]) == SERVICE_PORT, probe

    res = resources(dep)
    for key in ("cpu", "memory"):
        assert 0 < res["requests"][key] <= res["limits"][key]

    pod_security = pod["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] != 0
    security = c["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    writable = {m["mountPath"] for m in c.get("volumeMounts", [])}
    assert TMP in writable, "a read-only root filesystem needs a writable /tmp"

    assert {"configMapRef": {"name": "deskpilot-config"}} in c["envFrom"]
    env = {e["name"]: e for e in c["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "deskpilot-secrets", "key": "DATABASE_URL"}
    assert all("value" not in e for e in c["env"] if e["name"] == "DATABASE_URL")
    config = one(docs, "ConfigMap", "deskpilot-config")["data"]
    assert set(ENV_VARS) == set(config) | {"DATABASE_URL"}, "every service setting comes from config or secret"

    svc = one(docs, "Service", f"deskpilot-{service}")
    assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (port,) = svc["spec"]["ports"]
    assert port["targetPort"] in ("http", SERVICE_PORT)
    others = [d for d in docs if d["kind"] == "Deployment" and d is not dep]
    for other in others:
        labels = other["spec"]["template"]["metadata"]["labels"]
        assert not svc["spec"]["selector"].items() <= labels.items(), f"{svc['metadata']['name']} selects other pods"


def test_configuration() -> None:
    base = one(rendered("base"), "ConfigMap", "deskpilot-config")["data"]
    assert base["NATS_URL"].startswith("nats://")
    assert base["DESKPILOT_STREAM_REPLICAS"] == "3"
    assert base["DESKPILOT_LOG_LEVEL"] in {"DEBUG", "INFO", "WARNING"}
    assert base["DESKPILOT_HTTP_PORT"] == str(SERVICE_PORT)
    assert "DATABASE_URL" not in base
    dev = one(rendered("overlays/dev"), "ConfigMap", "deskpilot-config")["data"]
    assert dev["DESKPILOT_STREAM_REPLICAS"] == "1"
    assert dev["NATS_URL"] == base["NATS_URL"]


REPLICATED = ("agent", "conversation", "ticketing", "billing")
"""Services run with two replicas or more in the base; the ordered consumers of the last three run in one replica at
a time, the holder of each one's advisory lock (decision 0057)."""


def test_services_with_ordered_consumers_run_a_standby_and_roll() -> None:
    docs = rendered("base")
    for service in REPLICATED:
        spec = deployment(docs, service)["spec"]
        assert spec["replicas"] >= 2, f"{service}: one replica is a single point of failure"
        assert spec["strategy"]["type"] == "RollingUpdate"
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("service", REPLICATED)
@pytest.mark.parametrize("name", RENDERS)
def test_disruption_budgets(name: str, service: str) -> None:
    docs = rendered(name)
    pdb = one(docs, "PodDisruptionBudget", f"deskpilot-{service}")
    selector = pdb["spec"]["selector"]["matchLabels"]
    for dep in (d for d in docs if d["kind"] == "Deployment"):
        selected = selector.items() <= dep["spec"]["template"]["metadata"]["labels"].items()
        assert selected == (dep["metadata"]["name"] == f"deskpilot-{service}")
    replicas = deployment(docs, service)["spec"]["replicas"]
    if "minAvailable" in pdb["spec"]:
        assert pdb["spec"]["minAvailable"] < replicas, "the budget would block every drain"
    else:
        assert pdb["spec"]["maxUnavailable"] >= 1


def test_dev_overlay_is_smaller() -> None:
    base, dev = rendered("base"), rendered("overlays/dev")
    assert sorted((d["kind"], d["metadata"]["name"]) for d in base) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in dev
    )
    for service in SERVICES:
        assert deployment(dev, service)["spec"]["replicas"] == 1
        small, full = resources(deployment(dev, service)), resources(deployment(base, service))
        assert small["requests"]["cpu"] < full["requests"]["cpu"]
        assert small["requests"]["memory"] <= full["requests"]["memory"]
        assert container(deployment(dev, service))["image"] == container(deployment(base, service))["image"]


def ingress_service(ingress: Doc, path: str) -> str | None:
    """The backend an Ingress picks for ``path``: the longest matching rule, Prefix matching whole path elements."""
    best: tuple[int, str] | None = None
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            prefix, kind = entry["path"], entry["pathType"]
            if kind == "Exact":
                matches = path == prefix
            else:
                assert kind == "Prefix", f"unsupported pathType {kind}"
                elements = [p for p in prefix.split("/") if p]
                matches = [p for p in path.split("/") if p][: len(elements)] == elements
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), entry["backend"]["service"]["name"])
    return None if best is None else best[1]


@pytest.mark.parametrize("name", RENDERS)
def test_ingress_routes_every_prefix(name: str) -> None:
    """Every path reaches the gateway (the edge, decision 0048), whose upstreams reach each path's owner."""
    docs = rendered(name)
    ingress = one(docs, "Ingress", "deskpilot")
    upstreams = json.loads(env_value(deployment(docs, "gateway"), "DESKPILOT_GATEWAY_UPSTREAMS"))
    for path in sample_paths():
        assert ingress_service(ingress, path) == "deskpilot-gateway", path
        owner = gateway_service(path)
        if owner is not None:
            assert upstreams[owner] == f"http://deskpilot-{owner}:{SERVICE_PORT}", path
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for owner in upstreams:
        assert {p["port"] for p in services[f"deskpilot-{owner}"]["spec"]["ports"]} == {SERVICE_PORT}
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            backend = entry["backend"]["service"]
            port_names = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
            assert backend["port"]["name"] in port_names


def env_value(dep: Doc, name: str) -> str:
    found = [e for e in container(dep)["env"] if e["name"] == name]
    assert len(found) == 1, name
    return cast(str, found[0]["value"])


def test_dependencies_are_documented() -> None:
    readme = (K8S / "README.md").read_text()
    assert "helm install nats nats/nats" in readme
    assert "nats-io/k8s" in readme
    assert "sync_interval: always" in readme
    assert "replicas: 3" in readme
    assert "CloudNativePG" in readme
    assert "CREATE EXTENSION IF NOT EXISTS vector" in readme
    assert "scale horizontally" in readme
    nats_url = one(rendered("base"), "ConfigMap", "deskpilot-config")["data"]["NATS_URL"]
    assert nats_url == "nats://nats:4222", "the Helm release `nats` in the same namespace gives this URL"


# --- docker-compose.yml --------------------------------------------------------------------------------------------


@cache
def compose_json() -> str:
    return json.dumps(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def compose() -> Doc:
    return cast(Doc, json.loads(compose_json()))


def command(service: Doc) -> list[str]:
    cmd = service["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def healthcheck(service: Doc) -> str:
    check = service["healthcheck"]
    test = check["test"]
    assert test[0] in ("CMD", "CMD-SHELL"), f"healthcheck test must be CMD or CMD-SHELL: {test}"
    return " ".join(test[1:])


def env(service: Doc) -> dict[str, str]:
    raw = service["environment"]
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def depends_healthy(service: Doc) -> set[str]:
    depends = service.get("depends_on", {})
    assert isinstance(depends, dict), "depends_on must name conditions"
    return {name for name, cond in depends.items() if cond.get("condition") == "service_healthy"}


def mounts(service: Doc) -> dict[str, str]:
    """target -> source of each volume; short syntax only."""
    out: dict[str, str] = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        out[target] = source
    return out


def test_compose_runs_six_services_from_one_image() -> None:
    spec = compose()
    services = spec["services"]
    assert set(SERVICES) | {"nats", "postgres", "gateway"} <= set(services)
    builds = {json.dumps(services[s].get("build"), sort_keys=True) for s in SERVICES}
    images = {services[s].get("image") for s in SERVICES}
    assert len(builds) == 1, "the six services share one build"
    assert len(images) == 1, "the six services share one image"
    build = services[SERVICES[0]]["build"]
    context = build if isinstance(build, str) else build["context"]
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == ROOT / "Dockerfile"
    for name in SERVICES:
        service = services[name]
        cmd = command(service)
        assert cmd[:2] == ["serve", name]
        port = int(cmd[cmd.index("--port") + 1]) if "--port" in cmd else int(env(service)["DESKPILOT_HTTP_PORT"])
        assert port == SERVICE_PORT
        variables = env(service)
        assert set(ENV_VARS) <= set(variables)
        assert variables["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in variables["DATABASE_URL"]
        assert variables["NATS_URL"] == "nats://nats:4222"
        assert variables["DESKPILOT_HTTP_HOST"] == "0.0.0.0"
        assert variables["DESKPILOT_STREAM_REPLICAS"] == "1", "one NATS server holds one replica"
        check = healthcheck(service)
        assert f"127.0.0.1:{SERVICE_PORT}/v1/{name}/readyz" in check
        assert depends_healthy(service) == {"nats", "postgres"}


def test_compose_nats_has_durable_jetstream() -> None:
    spec = compose()
    nats = spec["services"]["nats"]
    image, _, tag = nats["image"].partition(":")
    assert image == "nats"
    version = tuple(int(x) for x in re.findall(r"\d+", tag)[:2])
    assert version >= (2, 14), f"NATS 2.14+ required (a consumer reset, decision 0054), got {tag}"
    cmd = command(nats)
    assert "-js" in cmd
    assert cmd[cmd.index("-sd") + 1] == "/data"
    volumes = mounts(nats)
    assert volumes["/data"] in spec["volumes"], "JetStream data on a named volume"
    config_file = cmd[cmd.index("-c") + 1]
    source = ROOT / volumes[config_file]
    assert source == ROOT / "deploy" / "nats" / "nats.conf"
    config = source.read_text()
    jetstream = re.search(r"jetstream\s*\{([^}]*)\}", config)
    assert jetstream, "nats.conf needs a jetstream block"
    assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream.group(1), re.MULTILINE)
    assert "healthz" in healthcheck(nats)


def test_compose_postgres_has_pgvector() -> None:
    spec = compose()
    postgres = spec["services"]["postgres"]
    assert postgres["image"].startswith("pgvector/pgvector:pg")
    assert int(postgres["image"].rsplit("pg", 1)[1]) >= 17
    assert "pg_isready" in healthcheck(postgres)
    assert mounts(postgres)["/var/lib/postgresql/data"] in spec["volumes"]
    variables = env(postgres)
    url = env(spec["services"]["conversation"])["DATABASE_OWNER_URL"]
    assert f"://{variables['POSTGRES_USER']}:" in url
    assert url.endswith(f"/{variables['POSTGRES_DB']}")


def test_compose_gateway_on_8000() -> None:
    spec = compose()
    gateway = spec["services"]["gateway"]
    assert gateway["image"].split(":")[0] in {"nginx", "nginxinc/nginx-unprivileged"}
    published = {tuple(str(p).split("/")[0].split(":")[-2:]) for p in gateway["ports"]}
    assert ("8000", "8000") in published, "host port 8000 -> the gateway's 8000"
    assert mounts(gateway)["/etc/nginx/nginx.conf"] == "./deploy/nginx/nginx.conf"
    assert depends_healthy(gateway) == {*SERVICES, WEB}
    assert "healthz" in healthcheck(gateway)


def test_compose_runs_the_web_front_end_against_the_gateway() -> None:
    services = compose()["services"]
    web = services[WEB]
    assert web["image"] == services[SERVICES[0]]["image"], "the web front end is in the one image"
    cmd = command(web)
    assert cmd[:2] == ["serve", WEB]
    assert int(cmd[cmd.index("--port") + 1]) == SERVICE_PORT
    assert env(web)["DESKPILOT_WEB_API_URL"] == f"http://gateway:{SERVICE_PORT}"
    assert f"127.0.0.1:{SERVICE_PORT}/web/healthz" in healthcheck(web)
    assert gateway_service("/widget.js") == gateway_service("/inbox") == gateway_service("/") == WEB
    assert depends_healthy(web) == {"postgres"}, "only its sessions' table is needed to start (the API when asked)"


@pytest.mark.parametrize("name", RENDERS)
def test_web_deployment_reaches_every_service_in_cluster(name: str) -> None:
    docs = rendered(name)
    dep = deployment(docs, WEB)
    assert dep["spec"]["replicas"] == 2, "sign-in sessions are shared through PostgreSQL: any replica serves anyone"
    assert dep["spec"]["strategy"]["type"] == "RollingUpdate"
    c = container(dep)
    assert c["args"][:2] == ["serve", WEB]
    assert c["readinessProbe"]["httpGet"]["path"] == "/web/healthz"
    variables = {e["name"]: e for e in c["env"]}
    assert variables["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "DATABASE_URL", "its sessions' table"
    urls = json.loads(variables["DESKPILOT_WEB_SERVICE_URLS"]["value"])
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert set(urls) == set(SERVICES)
    for service, url in urls.items():
        assert url == f"http://deskpilot-{service}:{SERVICE_PORT}"
        assert f"deskpilot-{service}" in services
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_compose_named_volumes_are_declared() -> None:
    spec = compose()
    for name, service in spec["services"].items():
        for source in mounts(service).values():
            if not source.startswith((".", "/")):
                assert source in spec["volumes"], f"{name}: volume {source} is not declared"
            else:
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"


# --- the nginx gateway ----------------------------------------------------------------------------------------------


def nginx_locations() -> list[tuple[bool, str, str | None]]:
    """(exact, path, upstream service or None) for each location of the gateway configuration."""
    text = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)  # quoted strings may hold braces
    text = re.sub(r"#[^\n]*", "", text)
    assert not re.search(r"location\s+(~|\^~|@)", text), "the test's matcher handles = and plain prefixes only"
    blocks = re.findall(r"location\s+(=\s*)?(\S+)\s*\{([^{}]*)\}", text)
    assert len(blocks) == len(re.findall(r"\blocation\b", text)), "a location block was not understood"
    found: list[tuple[bool, str, str | None]] = []
    for exact, path, body in blocks:
        upstream = re.search(r"(?:set\s+\$upstream|proxy_pass)\s+http://([a-z0-9-]+):(\d+)", body)
        if upstream:
            assert int(upstream.group(2)) == SERVICE_PORT
            assert "proxy_pass" in body
        found.append((bool(exact), path, upstream.group(1) if upstream else None))
    return found


def nginx_service(locations: list[tuple[bool, str, str | None]], path: str) -> str | None:
    """nginx's choice: an exact location first, else the longest matching prefix location."""
    for exact, location, upstream in locations:
        if exact and location == path:
            return upstream
    prefixes = [(len(loc), up) for exact, loc, up in locations if not exact and path.startswith(loc)]
    return max(prefixes, key=lambda p: p[0])[1] if prefixes else None


def test_nginx_routes_every_prefix() -> None:
    text = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    assert re.search(r"^\s*listen\s+8000\s*;", text, re.MULTILINE)
    locations = nginx_locations()
    assert {up for _, _, up in locations if up} == {*SERVICES, WEB}
    for path in sample_paths():
        assert nginx_service(locations, path) == gateway_service(path), path


# --- the Dockerfile -------------------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", re.sub(r"^\s*#.*\n", "", text, flags=re.MULTILINE))
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_one_image_non_root_deskpilot_entrypoint() -> None:
    instructions = dockerfile_instructions()
    # ARG defaults, for FROM ${...}
    args = {rest.partition("=")[0]: rest.partition("=")[2] for keyword, rest in instructions if keyword == "ARG"}
    stages = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert stages
    for i in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], instructions[i][1].split()[0])
        assert image == "python:3.11-slim"
    final = instructions[stages[-1] :]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users, "the final stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    last = dict(final)
    assert json.loads(last["ENTRYPOINT"]) == ["deskpilot"]
    assert json.loads(last["CMD"]) == ["serve", "conversation"]
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert re.search(r"pip install -c constraints\.txt \.(\s|$)", runs)
    assert re.search(r"pip install -c constraints\.txt .*\./clients/python(\s|$)", runs), "the CLI needs the client"
    copied = " ".join(rest for keyword, rest in instructions if keyword == "COPY")
    assert "clients/python" in copied
    assert "constraints.txt" in copied
    assert "pyproject.toml" in copied


def test_package_data_reaches_the_wheel() -> None:
    """Non-Python files the services read at run time (integration manifests) are declared as package data, so
    ``pip install .`` in the image installs them."""
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data_files = [
        path.relative_to(ROOT)
        for package in ("deskpilot", "libs", "services", "web")
        for path in (ROOT / package).rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc", ".pyi"}
        and not {"tests", "__pycache__", "node_modules"} & set(path.relative_to(ROOT).parts)
        and path.name != "package.json"
    ]
    assert data_files, "expected at least the integration manifests"
    for data_file in data_files:
        covered = any(
            fnmatch.fnmatch(data_file.as_posix(), f"{package.replace('.', '/')}/{pattern}")
            for package, patterns in declared.items()
            for pattern in patterns
        )
        assert covered, f"{data_file} is not declared in [tool.setuptools.package-data]"


def test_dockerignore() -> None:
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    for required in (".venv", ".deskpilot", ".git", "**/__pycache__"):
        assert required in patterns
    sources = [
        src
        for keyword, rest in dockerfile_instructions()
        if keyword == "COPY" and "--from" not in rest
        for src in rest.split()[:-1]
    ]
    assert sources
    for source in sources:
        ignored = [p for p in patterns if fnmatch.fnmatch(source.rstrip("/"), p.rstrip("/"))]
        assert not ignored, f"{source} is copied by the Dockerfile but excluded by .dockerignore ({ignored})"


# --- database roles: the services own nothing, the owner migrates --------------------------------------------------


def _user(url: str) -> str | None:
    return make_url(re.sub(r"\$\{[^}]*\}", "x", url)).username  # compose's ${VAR:-default} stands for a password


@pytest.mark.parametrize("name", RENDERS)
def test_k8s_services_connect_as_the_service_role_and_migrate_as_the_owner(name: str) -> None:
    docs = rendered(name)
    for service in [*SERVICES, WEB]:
        variables = {e["name"]: e for e in container(deployment(docs, service))["env"]}
        for var in ("DATABASE_URL", "DATABASE_OWNER_URL"):
            assert variables[var]["valueFrom"]["secretKeyRef"] == {"name": "deskpilot-secrets", "key": var}, service
    (secret,) = load_docs(K8S / "base" / "secret.example.yaml")
    urls = secret["stringData"]
    assert _user(urls["DATABASE_URL"]) == SERVICE_ROLE
    assert _user(urls["DATABASE_OWNER_URL"]) not in (None, SERVICE_ROLE)
    # The README's CloudNativePG Cluster declares that role: login, no superuser, no BYPASSRLS.
    blocks = re.findall(r"```yaml\n(.*?)```", (K8S / "README.md").read_text(), re.DOTALL)
    (cluster,) = [d for b in blocks for d in yaml.safe_load_all(b) if d and d.get("kind") == "Cluster"]
    (role,) = [r for r in cluster["spec"]["managed"]["roles"] if r["name"] == SERVICE_ROLE]
    assert (role["login"], role["superuser"], role["bypassrls"], role["createrole"]) == (True, False, False, False)
    assert cluster["spec"]["bootstrap"]["initdb"]["owner"] == _user(urls["DATABASE_OWNER_URL"])


def test_compose_services_connect_as_the_service_role_and_migrate_as_the_owner() -> None:
    services = compose()["services"]
    owner = env(services["postgres"])["POSTGRES_USER"]
    roles = services["database-roles"]
    assert command(roles) == ["database", "provision-role"]
    assert roles["restart"] == "no"
    assert depends_healthy(roles) == {"postgres"}
    for name in [*SERVICES, WEB, "database-roles"]:
        variables = env(services[name])
        assert _user(variables["DATABASE_URL"]) == SERVICE_ROLE, name
        assert _user(variables["DATABASE_OWNER_URL"]) == owner, name
        if name != "database-roles":
            condition = services[name]["depends_on"]["database-roles"]["condition"]
            assert condition == "service_completed_successfully", name


def test_nginx_limits_and_headers_are_the_gateways() -> None:
    """docker-compose's edge enforces what ``deskpilot up``'s does (deskpilot/gateway_limits.py, defaults)."""
    text = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    defaults = {name: field.default for name, field in GatewaySettings.model_fields.items()}
    rates = {zone: int(rate) for zone, rate in re.findall(r"limit_req_zone \$\w+ zone=(\w+):\w+ rate=(\d+)r/s;", text)}
    bursts = {zone: int(burst) for zone, burst in re.findall(r"limit_req zone=(\w+) burst=(\d+) nodelay;", text)}
    for zone, setting in (("api_keys", "api_key"), ("widget_keys", "widget_key"), ("addresses", "address")):
        assert rates[zone] == defaults[f"{setting}_per_minute"] / 60, zone
        assert bursts[zone] == defaults[f"{setting}_burst"], zone
    assert "limit_req_status 429;" in text
    sizes = [int(n) * 1024 * 1024 for n in re.findall(r"client_max_body_size (\d+)m;", text)]
    assert sorted(set(sizes)) == [defaults["max_body_bytes"], defaults["knowledge_max_body_bytes"]]
    for header in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"):
        assert f"proxy_hide_header {header};" in text or header == "X-Content-Type-Options"
        assert re.search(rf"add_header {header} \S+ always;", text), header
    assert re.search(r"add_header Strict-Transport-Security \$hsts always;", text)
    assert f'"{API_CSP}";' in text, "the API answers' policy is the gateway's"
    refusals = dict(re.findall(r"error_page (\d+) (\S+);", text))
    for status, code in (("429", "rate_limited"), ("413", "too_large")):
        block = re.search(rf"location = {re.escape(refusals[status])} \{{(.*?)\n    \}}", text, re.DOTALL)
        assert block, status
        assert "internal;" in block.group(1)
        assert "default_type application/problem+json;" in block.group(1)
        body = json.loads(re.search(rf"return {status} '(.*)';", block.group(1)).group(1))  # type: ignore[union-attr]
        assert (body["status"], body["code"]) == (int(status), code)
    assert "add_header Retry-After" in re.search(r"too-many-requests \{(.*?)\}", text, re.DOTALL).group(1)  # type: ignore[union-attr]
