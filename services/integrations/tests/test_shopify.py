"""Shopify against a local fake over real HTTP: the OAuth dance on the shop's own host (the ``shop`` parameter),
expiring offline tokens refreshed once, order status through the GraphQL Admin API on the real execution path,
THROTTLED as a transient failure, and a revoked refresh token withdrawing the tools."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import text

from libs.events import (
    EventLog,
    IntegrationRevoked,
    ToolCompleted,
    ToolFailed,
    ToolsPublished,
)
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.tests.fake_shopify import CLIENT_ID, CLIENT_SECRET, SHOP, FakeShopify
from services.integrations.tests.support import auth, run_tool
from services.integrations.vault import new_master_key
from tests.support import outbox_events, provision_tenant, running, serving

REDIRECT = "http://service/v1/integrations/oauth/callback"
SHOPIFY_TOOLS = {"shopify_get_order_status"}
Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes, FakeShopify]


@pytest.fixture(scope="module")
async def shopify_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    async with serving(FakeShopify(redirect_uri=REDIRECT)) as fake:
        # The manifest's URLs live on https://{shop}.myshopify.com; the fake serves shops under /{shop}/.
        clients = {
            "shopify": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{fake.base_url}/{{shop}}/admin/oauth/authorize",
                "token_url": f"{fake.base_url}/{{shop}}/admin/oauth/access_token",
                "api_base_url": f"{fake.base_url}/{{shop}}",
                "revocation_url": f"{fake.base_url}/{{shop}}/admin/api_permissions/current.json",
            }
        }
        settings = IntegrationsSettings.model_validate(
            {
                "NATS_URL": nats_url,
                "DATABASE_URL": database_url,
                "DESKPILOT_VAULT_MASTER_KEYS": f"t1:{new_master_key()}",
                "DESKPILOT_OAUTH_CLIENTS": json.dumps(clients),
                "DESKPILOT_OAUTH_REDIRECT_URL": REDIRECT,
            }
        )
        app = create_app(settings)
        async with running(app) as (client, runtime):
            yield client, runtime, app.state.remotes, fake


@pytest.fixture
def fake(shopify_service: Service) -> FakeShopify:
    fake = shopify_service[3]
    fake.expires_in, fake.throttle_next, fake.refresh_calls = 3600, 0, 0
    fake.graphql_tokens.clear()
    fake.orders["#1001"] = {
        "id": "gid://shopify/Order/5001",
        "name": "#1001",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED",
        "fulfillments": [
            {
                "status": "SUCCESS",
                "trackingInfo": [
                    {"company": "UPS", "number": "1Z999AA10123456784", "url": "https://ups.test/1Z999AA10123456784"}
                ],
            }
        ],
    }
    return fake


async def consent(svc: Service, api_key: str) -> tuple[str, dict[str, list[str]]]:
    """Start connecting and let the browser go through Shopify's consent: where it is sent back, and with what."""
    client = svc[0]
    started = await client.post(
        "/v1/integrations/shopify/connect",
        json={"params": {"shop": SHOP}, "user_id": "admin@acme.test"},
        headers=auth(api_key),
    )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    parts = urlsplit(url)
    assert parts.path == f"/{SHOP}/admin/oauth/authorize"  # the shop filled into the templated URL
    query = parse_qs(parts.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["read_orders,read_fulfillments"]
    assert "code_challenge" not in query
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(url)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    return back.path, parse_qs(back.query)


async def connect(svc: Service, event_log: EventLog) -> tuple[str, str]:
    """Provision a tenant and connect its Shopify store through the whole browser dance."""
    client, runtime, _, _ = svc
    tenant = await provision_tenant(event_log, runtime)
    path, query = await consent(svc, tenant.api_key)
    assert set(query) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    done = await client.get(path, params=query)
    assert done.status_code == 200, done.text
    assert done.json()["scopes"] == ["read_orders", "read_fulfillments"]
    return tenant.tenant_id, tenant.api_key


async def listing(svc: Service, api_key: str) -> dict[str, Any]:
    response = await svc[0].get("/v1/integrations", headers=auth(api_key))
    (shopify,) = [i for i in response.json()["items"] if i["name"] == "shopify"]
    return dict(shopify)


async def test_connecting_needs_a_valid_shop_subdomain(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    client, runtime, _, _ = shopify_service
    tenant = await provision_tenant(event_log, runtime)
    for params in ({}, {"shop": "Acme"}, {"shop": "evil.com/x"}, {"shop": "a.b"}, {"shop": SHOP, "region": "eu"}):
        response = await client.post(
            "/v1/integrations/shopify/connect", json={"params": params}, headers=auth(tenant.api_key)
        )
        assert response.status_code == 422, (params, response.text)


async def test_a_callback_without_shopifys_signature_for_the_shop_is_refused(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    client, runtime, _, _ = shopify_service
    tenant = await provision_tenant(event_log, runtime)

    async def callback(query: dict[str, list[str]], path: str = "/v1/integrations/oauth/callback") -> str:
        answer = await client.get(path, params=query)
        assert answer.status_code == 400, answer.text
        return str(answer.json()["detail"])

    fake.forge_callback = True
    try:
        _, forged = await consent(shopify_service, tenant.api_key)
    finally:
        fake.forge_callback = False
    assert "signature is invalid" in await callback(forged)
    _, genuine = await consent(shopify_service, tenant.api_key)
    assert "signature is invalid" in await callback({**genuine, "timestamp": ["1"]})  # a signed field altered
    fake.callback_shop = "other-store"
    try:
        _, elsewhere = await consent(shopify_service, tenant.api_key)
    finally:
        fake.callback_shop = None
    assert "another account" in await callback(elsewhere)  # validly signed, but for a shop nobody asked for
    assert (await listing(shopify_service, tenant.api_key))["status"] != "active"


async def test_the_oauth_dance_with_a_shop_then_order_status_over_graphql(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    _, runtime, _, _ = shopify_service
    tenant_id, api_key = await connect(shopify_service, event_log)
    info = await listing(shopify_service, api_key)
    assert (info["connected"], info["status"]) == (True, "active")
    published = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id]
    assert isinstance(published[-1], ToolsPublished)
    names = {t.name for t in published[-1].tools}
    assert names >= SHOPIFY_TOOLS
    assert "get_order_status" in names  # the demo store's tool keeps its name and handler

    got = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "1001"})
    assert isinstance(got, ToolCompleted), got
    assert got.result["financial_status"] == "PAID"
    assert got.result["fulfillment_status"] == "FULFILLED"
    assert got.result["fulfillments"][0]["tracking"][0]["number"] == "1Z999AA10123456784"
    assert "1Z999AA10123456784" in got.result["summary"]
    assert fake.graphql_tokens == [fake.issued[0]]  # sent as X-Shopify-Access-Token
    assert fake.refresh_calls == 0

    missing = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#9999"})
    assert isinstance(missing, ToolFailed)
    assert missing.kind == "not_found"

    async with runtime.db.session() as session:
        dump = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(t::text, ' '), '') FROM integrations.vault_secrets t "
                    "WHERE tenant_id = :t"
                ),
                {"t": tenant_id},
            )
        ).scalar_one()
    assert "oauth:shopify:tokens" in dump
    for token in fake.issued:
        assert token not in dump


async def test_an_expiring_access_token_is_refreshed_once_before_the_call(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    fake.expires_in = 120  # inside the 300 s refresh-ahead window
    tenant_id, _ = await connect(shopify_service, event_log)
    first_access = fake.issued[-2]
    fake.expires_in = 3600
    got = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#1001"})
    assert isinstance(got, ToolCompleted), got
    assert fake.refresh_calls == 1
    assert fake.graphql_tokens == [fake.issued[-2]]  # the refreshed token, not the expiring one
    assert fake.graphql_tokens[0] != first_access
    again = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#1001"})
    assert isinstance(again, ToolCompleted)
    assert fake.refresh_calls == 1  # the stored (rotated) tokens are reused


async def test_throttled_is_a_transient_failure(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    tenant_id, api_key = await connect(shopify_service, event_log)
    fake.throttle_next = 1
    failed = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#1001"})
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "transient"
    assert "throttled" in failed.message.lower()
    assert "0.4s" in failed.message  # (52 requested - 12 available) / 100 per second
    assert (await listing(shopify_service, api_key))["status"] == "active"
    ok = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#1001"})
    assert isinstance(ok, ToolCompleted)


async def test_a_revoked_refresh_token_withdraws_the_tools(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    _, runtime, _, _ = shopify_service
    fake.expires_in = 120
    tenant_id, api_key = await connect(shopify_service, event_log)
    fake.revoke_refresh_tokens()
    failed = await run_tool(shopify_service, tenant_id, "shopify_get_order_status", {"order_name": "#1001"})
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unauthorized"
    (revoked,) = [e.payload for e in await outbox_events(runtime, "integration.revoked") if e.tenant_id == tenant_id]
    assert isinstance(revoked, IntegrationRevoked)
    assert revoked.integration == "shopify"
    assert "invalid_grant" in revoked.reason
    latest = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id][-1]
    assert isinstance(latest, ToolsPublished)
    names = {t.name for t in latest.tools}
    assert not SHOPIFY_TOOLS & names
    assert "get_order_status" in names
    info = await listing(shopify_service, api_key)
    assert (info["connected"], info["status"]) == (False, "revoked")


async def test_disconnecting_uninstalls_the_app_from_the_shop(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    client = shopify_service[0]
    _, api_key = await connect(shopify_service, event_log)
    token = fake.issued[-2]
    assert (await client.delete("/v1/integrations/shopify", headers=auth(api_key))).status_code == 204
    assert fake.uninstalled == [token]  # sent as X-Shopify-Access-Token, as Shopify wants
    assert (await listing(shopify_service, api_key))["status_reason"] == "disconnected by the tenant"


async def test_testing_the_connection_reads_the_shops_name(
    shopify_service: Service, fake: FakeShopify, event_log: EventLog
) -> None:
    _, api_key = await connect(shopify_service, event_log)
    tested = (await shopify_service[0].post("/v1/integrations/shopify/test", headers=auth(api_key))).json()
    assert (tested["ok"], tested["outcome"]) == (True, "ok"), tested
    assert SHOP in tested["detail"]
