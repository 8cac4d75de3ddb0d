"""Connecting: each integration has its own ``POST /v1/integrations/<name>/connect`` whose body is typed from its
manifest (its URL placeholders and their pattern, its key's pattern), so a body the contract calls valid is taken:
connected, sent on to the provider, or refused for the deployment's reasons only (403 a private ``api_base_url``
the operator does not allow, 409 no OAuth app); anything else is a 422 naming the field, never echoing a key."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from libs.events import EventLog
from libs.platform.runtime import ServiceRuntime
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.connect_endpoints import API_BASE_URL, api_key_body, oauth_body
from services.integrations.manifest import builtin_manifests
from services.integrations.tests.support import auth
from services.integrations.vault import new_master_key
from tests.support import provision_tenant, running

Client = tuple[httpx2.AsyncClient, ServiceRuntime]
STRIPE_KEY = "rk_test_" + "a1B2c3D4e5" * 2


@pytest.fixture(scope="module")
async def integrations(nats_url: str, database_url: str) -> AsyncIterator[Client]:
    """As deployed by default: private destinations not allowed, no OAuth app configured but HubSpot's."""
    settings = IntegrationsSettings.model_validate(
        {
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "DESKPILOT_VAULT_MASTER_KEYS": f"t1:{new_master_key()}",
            "DESKPILOT_OAUTH_CLIENTS": '{"hubspot": {"client_id": "hub-client", "client_secret": "hub-secret"}}',
        }
    )
    async with running(create_app(settings)) as (client, runtime):
        yield client, runtime


def test_each_connect_body_states_its_manifests_rules() -> None:
    manifests = builtin_manifests()
    shopify = oauth_body(manifests["shopify"], manifests["shopify"].auth.oauth2)  # type: ignore[arg-type]
    schema = shopify.model_json_schema()
    params = schema["$defs"]["ShopifyConnectParams"]
    assert params["required"] == ["shop"]
    assert params["properties"]["shop"]["pattern"] == "^[a-z0-9][a-z0-9-]{0,59}$"
    assert params["additionalProperties"] is False
    assert "params" in schema["required"]
    hubspot = oauth_body(manifests["hubspot"], manifests["hubspot"].auth.oauth2)  # type: ignore[arg-type]
    assert "required" not in hubspot.model_json_schema()  # nothing to give: its URLs have no placeholders
    stripe = api_key_body(manifests["stripe"], manifests["stripe"].auth.api_key)  # type: ignore[arg-type]
    key = stripe.model_json_schema()["properties"]["api_key"]
    assert key["pattern"] == manifests["stripe"].auth.api_key.key_pattern  # type: ignore[union-attr]
    assert key["format"] == "password"


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://api.stripe.com", True),
        ("http://127.0.0.1:8123/stripe", True),
        ("https://sandbox.example:443/v1/", True),
        ("ftp://api.stripe.com", False),
        ("https://", False),
        ("https://user@host.example", False),
        ("https://-bad.example", False),
        ("https://[::1]/", False),
        ("https://host.example/ path", False),
    ],
)
def test_an_api_base_url_is_an_http_url_to_a_host(url: str, valid: bool) -> None:
    assert (re.fullmatch(API_BASE_URL, url) is not None) is valid


async def _tenant(integrations: Client, event_log: EventLog) -> dict[str, str]:
    tenant = await provision_tenant(event_log, integrations[1])
    return auth(tenant.api_key)


async def test_an_api_key_connects_at_once_and_a_private_base_url_is_the_operators_to_allow(
    integrations: Client, event_log: EventLog
) -> None:
    client, _ = integrations
    headers = await _tenant(integrations, event_log)
    for url in ("http://127.0.0.1:9/", "https://10.0.0.9", "http://api.stripe.example"):
        body = {"api_key": STRIPE_KEY, "params": {"api_base_url": url}}
        refused = await client.post("/v1/integrations/stripe/connect", json=body, headers=headers)
        assert refused.status_code == 403, (url, refused.text)
        assert refused.json()["code"] == "forbidden"
        assert "private destinations are not allowed" in refused.json()["detail"]
    body = {"api_key": STRIPE_KEY, "params": {"api_base_url": "https://api.stripe.example"}, "user_id": "a@b.example"}
    done = await client.post("/v1/integrations/stripe/connect", json=body, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json() == {"integration": "stripe", "connected": True, "scopes": []}
    listed = (await client.get("/v1/integrations", headers=headers)).json()["items"]
    (stripe,) = [i for i in listed if i["name"] == "stripe"]
    assert stripe["connected"] is True


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("stripe", {"api_key": "pk_test_publishable123"}, "api_key"),
        ("stripe", {}, "api_key"),
        ("stripe", {"api_key": STRIPE_KEY, "params": {"region": "eu"}}, "params.region"),
        ("stripe", {"api_key": STRIPE_KEY, "params": {"api_base_url": "ftp://x.example"}}, "params.api_base_url"),
        ("shopify", {"params": {"shop": "Acme"}}, "params.shop"),
        ("shopify", {}, "params"),
        ("zendesk", {"params": {"subdomain": "acme", "region": "eu"}}, "params.region"),
        ("hubspot", {"params": {"shop": "acme"}}, "params.shop"),
        ("hubspot", {"api_key": STRIPE_KEY}, "api_key"),
    ],
)
async def test_what_the_body_schema_refuses_is_a_422_naming_the_field(
    integrations: Client, event_log: EventLog, path: str, body: dict[str, Any], field: str
) -> None:
    client, _ = integrations
    headers = await _tenant(integrations, event_log)
    refused = await client.post(f"/v1/integrations/{path}/connect", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text
    assert "pk_test_publishable123" not in refused.text
    if path == "stripe" and field == "api_key" and body:
        assert "must be a Stripe restricted key (rk_live_…) or secret key (sk_live_…)" in refused.text


async def test_oauth_connect_sends_the_admin_on_or_says_the_deployment_has_no_app(
    integrations: Client, event_log: EventLog
) -> None:
    client, _ = integrations
    headers = await _tenant(integrations, event_log)
    started = await client.post("/v1/integrations/hubspot/connect", json={}, headers=headers)
    assert started.status_code == 200, started.text
    assert started.json()["authorization_url"].startswith("https://app.hubspot.com/oauth/authorize?")
    no_app = await client.post(
        "/v1/integrations/shopify/connect", json={"params": {"shop": "acme-store"}}, headers=headers
    )
    assert no_app.status_code == 409, no_app.text
    assert "DESKPILOT_OAUTH_CLIENTS" in no_app.json()["detail"]


async def test_only_integrations_a_tenant_connects_have_a_connect(integrations: Client, event_log: EventLog) -> None:
    client, _ = integrations
    headers = await _tenant(integrations, event_log)
    for name in ("demo_store", "nonexistent"):
        missing = await client.post(f"/v1/integrations/{name}/connect", json={}, headers=headers)
        assert missing.status_code == 404, (name, missing.text)
