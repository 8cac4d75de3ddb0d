"""Kubernetes' edge (decision 0048): ``deskpilot serve gateway`` with the limits of ``deskpilot up``, set from the
ConfigMap; the per-key limit holds through the gateway the manifest configures."""

from __future__ import annotations

import json
from typing import Any

import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from deskpilot.gateway_limits import GatewaySettings, edge_gateway
from tests.deploy.test_manifests import RENDERS, container, deployment, rendered

LIMITS = [name for name in GatewaySettings.model_fields if name not in ("hsts_max_age", "upstreams")]


def manifest_settings(name: str) -> GatewaySettings:
    """The gateway's settings as the pod's environment gives them (ConfigMap keys resolved)."""
    docs = rendered(name)
    configs = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    env: dict[str, Any] = {}
    for entry in container(deployment(docs, "gateway"))["env"]:
        ref = entry.get("valueFrom", {}).get("configMapKeyRef")
        env[entry["name"]] = configs[ref["name"]][ref["key"]] if ref else entry["value"]
    prefix = "DESKPILOT_GATEWAY_"
    fields = {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}
    assert set(LIMITS) <= set(fields), f"not set in the manifest: {set(LIMITS) - set(fields)}"
    fields["upstreams"] = json.loads(fields["upstreams"])
    return GatewaySettings.model_validate(fields)


@pytest.mark.parametrize("name", RENDERS)
def test_every_limit_of_the_gateway_is_set_from_the_configmap(name: str) -> None:
    settings = manifest_settings(name)
    assert {f: getattr(settings, f) for f in LIMITS} == {f: getattr(GatewaySettings(), f) for f in LIMITS}
    assert edge_gateway(settings).upstreams == settings.upstreams  # every process it routes to has one
    args = container(deployment(rendered(name), "gateway"))["args"]
    assert args[:2] == ["serve", "gateway"]


@pytest.mark.parametrize("name", RENDERS)
async def test_the_edge_counts_the_address_the_controller_saw(name: str) -> None:
    """Behind the controller (a pod address), the client is the rightmost address it appended, not one the client
    wrote itself in ``X-Forwarded-For`` (which ``*`` would pick)."""
    docs = rendered(name)
    configs = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    (entry,) = [e for e in container(deployment(docs, "gateway"))["env"] if e["name"] == "FORWARDED_ALLOW_IPS"]
    ref = entry["valueFrom"]["configMapKeyRef"]
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["client"])

    trusted = ProxyHeadersMiddleware(app, trusted_hosts=configs[ref["name"]][ref["key"]])  # type: ignore[arg-type]
    forwarded = (b"x-forwarded-for", b"198.51.100.1, 203.0.113.9")  # written by the client, appended by the controller
    scope = {"type": "http", "client": ("10.42.0.7", 1), "headers": [forwarded]}
    await trusted(scope, None, None)  # type: ignore[arg-type]
    assert seen[0][0] == "203.0.113.9"


def test_an_edge_without_every_upstream_is_refused() -> None:
    upstreams = manifest_settings("base").upstreams
    del upstreams["billing"]
    with pytest.raises(ValueError, match="billing"):
        edge_gateway(GatewaySettings(upstreams=upstreams))


async def test_the_edge_limits_per_api_key() -> None:
    """Two requests of one key over a burst of one: the second is a 429 with Retry-After, before any upstream (none
    runs here: a forwarded request would be a 503); another key still passes the limit."""
    upstreams = manifest_settings("base").upstreams
    settings = GatewaySettings(upstreams=upstreams, api_key_per_minute=1, api_key_burst=1)
    gateway = edge_gateway(settings)
    statuses = [await call(gateway, key) for key in ("dpk_a", "dpk_a", "dpk_b")]
    assert [s for s, _ in statuses] == [503, 429, 503]
    assert statuses[1][1].get(b"retry-after") == b"60"


async def call(app: Any, key: str) -> tuple[int, dict[bytes, bytes]]:
    scope = {
        "type": "http", "method": "GET", "path": "/v1/tickets", "raw_path": b"/v1/tickets", "query_string": b"",
        "headers": [(b"authorization", f"Bearer {key}".encode()), (b"host", b"desk")], "client": ("10.0.0.1", 1),
        "scheme": "http", "http_version": "1.1", "server": ("gateway", 8000),
    }  # fmt: skip
    start: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)

    await app(scope, receive, send)
    return start["status"], dict(start["headers"])
