"""OAuth2 connections against a local fake HubSpot over real HTTP, through Authlib's httpx2 client: the full
dance, refresh exactly once under concurrency, rotated refresh tokens, and revocation withdrawing the tools."""

from __future__ import annotations

import asyncio
import json
import logging
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
from services.integrations.manifest import builtin_manifests
from services.integrations.repository import ConnectionRepository
from services.integrations.tests.fake_hubspot import CLIENT_ID, CLIENT_SECRET, FakeHubSpot
from services.integrations.tests.support import auth, run_tool
from services.integrations.vault import new_master_key
from tests.support import eventually, outbox_events, provision_tenant, running, serving

REDIRECT = "http://service/v1/integrations/oauth/callback"
HUBSPOT_TOOLS = {"hubspot_get_contact", "hubspot_update_contact"}
Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes, FakeHubSpot]


@pytest.fixture(scope="module")
async def hubspot_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    async with serving(FakeHubSpot(redirect_uri=REDIRECT)) as fake:
        clients = {
            "hubspot": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{fake.base_url}/oauth/authorize",
                "token_url": f"{fake.base_url}/oauth/v1/token",
                "api_base_url": fake.base_url,
                "revocation_url": f"{fake.base_url}/oauth/v1/refresh-tokens/{{token}}",
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
def fake(hubspot_service: Service) -> FakeHubSpot:
    fake = hubspot_service[3]
    fake.expires_in, fake.token_failures, fake.reject_all_access, fake.refresh_gate = 1800, [], False, None
    fake.refresh_calls = fake.refresh_waiting = 0
    fake.revoked_refresh_tokens.clear()
    fake.contacts["ada@example.com"] = {
        "id": "51",
        "properties": {"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "phone": None},
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    return fake


async def connect(svc: Service, event_log: EventLog) -> tuple[str, str]:
    """Provision a tenant and connect HubSpot through the whole browser dance; returns (tenant id, api key)."""
    client, runtime, _, fake = svc
    tenant = await provision_tenant(event_log, runtime)
    started = await client.post(
        "/v1/integrations/hubspot/connect", json={"user_id": "admin@acme.test"}, headers=auth(tenant.api_key)
    )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["crm.objects.contacts.read crm.objects.contacts.write"]
    assert query["code_challenge_method"] == ["S256"]
    assert "code_verifier" not in query
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(url)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    assert back.path == "/v1/integrations/oauth/callback"
    done = await client.get(back.path, params=parse_qs(back.query))
    assert done.status_code == 200, done.text
    assert done.json()["scopes"] == ["crm.objects.contacts.read", "crm.objects.contacts.write"]
    replay = await client.get(back.path, params=parse_qs(back.query))
    assert replay.status_code == 404  # a state works once
    assert fake.issued
    return tenant.tenant_id, tenant.api_key


async def listing(svc: Service, api_key: str) -> dict[str, Any]:
    response = await svc[0].get("/v1/integrations", headers=auth(api_key))
    (hubspot,) = [i for i in response.json()["items"] if i["name"] == "hubspot"]
    return dict(hubspot)


async def test_the_full_oauth_dance_stores_tokens_only_encrypted(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    _, runtime, _, _ = hubspot_service
    tenant_id, api_key = await connect(hubspot_service, event_log)
    info = await listing(hubspot_service, api_key)
    assert (info["connected"], info["status"], info["mode"]) == (True, "active", "live")
    assert info["scopes"] == ["crm.objects.contacts.read", "crm.objects.contacts.write"]
    published = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id]
    assert isinstance(published[-1], ToolsPublished)
    assert {t.name for t in published[-1].tools} >= HUBSPOT_TOOLS

    got = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(got, ToolCompleted), got
    assert got.result["firstname"] == "Ada"
    updated = await run_tool(
        hubspot_service, tenant_id, "hubspot_update_contact", {"email": "ada@example.com", "phone": "+44 20 7946"}
    )
    assert isinstance(updated, ToolCompleted), updated
    assert fake.contacts["ada@example.com"]["properties"]["phone"] == "+44 20 7946"

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
        states = (
            await session.execute(
                text("SELECT count(*) FROM integrations.oauth_states WHERE tenant_id = :t"), {"t": tenant_id}
            )
        ).scalar_one()
    assert "oauth:hubspot:tokens" in dump
    for token in fake.issued:
        assert token not in dump
    assert states == 0  # the used state and its PKCE verifier are gone


async def test_a_forged_or_unknown_state_is_refused(hubspot_service: Service, fake: FakeHubSpot) -> None:
    client = hubspot_service[0]
    response = await client.get(
        "/v1/integrations/oauth/callback", params={"code": "x", "state": "forged-state-forged-state"}
    )
    assert response.status_code == 404  # the server holds no such state: not a malformed request
    assert "state" in response.text


async def test_two_concurrent_refreshers_make_one_token_call(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = hubspot_service
    oauth = remotes.oauth
    fake.expires_in = 120  # inside the 300 s refresh-ahead window: due for refresh at once
    tenant_id, _ = await connect(hubspot_service, event_log)
    fake.expires_in = 1800
    manifest = builtin_manifests()["hubspot"]
    fake.refresh_gate = asyncio.Event()

    async def refresher() -> str:
        async with runtime.db.session() as session:
            return await oauth.access_token(session, tenant_id, manifest)

    tasks = [asyncio.create_task(refresher()) for _ in range(4)]

    async def blocked_on_the_row_lock() -> bool:
        async with runtime.db.session() as session:
            waiting = (
                await session.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                )
            ).scalar_one()
        return fake.refresh_waiting == 1 and waiting >= 3

    await eventually(blocked_on_the_row_lock, what="one refresher at the provider, three waiting on the lock")
    fake.refresh_gate.set()
    tokens = await asyncio.gather(*tasks)
    assert fake.refresh_calls == 1
    assert len(set(tokens)) == 1
    assert tokens[0] == fake.issued[-2]  # the refreshed access token
    # The rotated refresh token was stored: the old one is dead at the provider, yet a later refresh works.
    async with runtime.db.session() as session:
        again = await oauth.access_token(session, tenant_id, manifest, stale=tokens[0])
    assert again != tokens[0]
    assert fake.refresh_calls == 2


async def test_transient_token_failures_never_kill_the_connection(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    fake.expires_in = 120
    tenant_id, api_key = await connect(hubspot_service, event_log)
    for status in (503, 429):
        fake.token_failures = [status]
        failed = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
        assert isinstance(failed, ToolFailed)
        assert failed.kind == "transient"
        assert (await listing(hubspot_service, api_key))["status"] == "active"
    ok = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(ok, ToolCompleted)


async def test_a_revoked_refresh_token_withdraws_the_tools(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    _, runtime, _, _ = hubspot_service
    fake.expires_in = 120
    tenant_id, api_key = await connect(hubspot_service, event_log)
    fake.revoke_refresh_tokens()
    failed = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unauthorized"
    (revoked,) = [e.payload for e in await outbox_events(runtime, "integration.revoked") if e.tenant_id == tenant_id]
    assert isinstance(revoked, IntegrationRevoked)
    assert revoked.integration == "hubspot"
    assert "BAD_REFRESH_TOKEN" in revoked.reason
    latest = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id][-1]
    assert isinstance(latest, ToolsPublished)
    names = {t.name for t in latest.tools}
    assert not HUBSPOT_TOOLS & names
    assert "get_order_status" in names
    info = await listing(hubspot_service, api_key)
    assert (info["connected"], info["status"]) == (False, "revoked")
    assert "BAD_REFRESH_TOKEN" in info["status_reason"]
    again = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(again, ToolFailed)  # no second revocation event
    assert len([e for e in await outbox_events(runtime, "integration.revoked") if e.tenant_id == tenant_id]) == 1


async def test_a_401_right_after_a_fresh_refresh_revokes(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    tenant_id, api_key = await connect(hubspot_service, event_log)
    fake.reject_all_access = True
    failed = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unauthorized"
    assert fake.refresh_calls == 1
    info = await listing(hubspot_service, api_key)
    assert info["status"] == "revoked"
    assert "401" in info["status_reason"]


async def test_dry_run_reads_live_and_only_describes_writes(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    _, runtime, _, _ = hubspot_service
    tenant_id, _ = await connect(hubspot_service, event_log)
    async with runtime.unit_of_work() as uow:
        assert await ConnectionRepository(uow.session).set_mode(tenant_id, "hubspot", "dry_run")
    read = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(read, ToolCompleted)
    assert read.result["lastname"] == "Lovelace"
    write = await run_tool(
        hubspot_service, tenant_id, "hubspot_update_contact", {"email": "ada@example.com", "lastname": "Byron"}
    )
    assert isinstance(write, ToolCompleted)
    assert write.dry_run
    assert write.result["summary"].startswith("Would call HubSpot")
    assert fake.contacts["ada@example.com"]["properties"]["lastname"] == "Lovelace"


async def test_mode_switch_and_disconnect_through_the_api(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog, caplog: pytest.LogCaptureFixture
) -> None:
    client, runtime, _, _ = hubspot_service
    tenant_id, api_key = await connect(hubspot_service, event_log)
    switched = await client.put("/v1/integrations/hubspot/mode", json={"mode": "dry_run"}, headers=auth(api_key))
    assert switched.json() == {"integration": "hubspot", "mode": "dry_run", "reads": "live"}
    assert (await listing(hubspot_service, api_key))["mode"] == "dry_run"
    bad = await client.put("/v1/integrations/hubspot/mode", json={"mode": "yolo"}, headers=auth(api_key))
    assert bad.status_code == 422
    refresh_token = fake.issued[-1]
    with caplog.at_level(logging.DEBUG):
        gone = await client.delete("/v1/integrations/hubspot", headers=auth(api_key))
    assert gone.status_code == 204
    assert fake.revoked_refresh_tokens == [refresh_token]  # withdrawn at HubSpot (the token is in the URL path)
    assert refresh_token not in caplog.text  # ... which no log line shows
    assert refresh_token not in fake.refresh_tokens
    info = await listing(hubspot_service, api_key)
    assert (info["connected"], info["status"]) == (False, "disconnected")
    latest = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id][-1]
    assert isinstance(latest, ToolsPublished)
    assert not HUBSPOT_TOOLS & {t.name for t in latest.tools}
    async with runtime.db.session() as session:
        left = await session.execute(
            text("SELECT count(*) FROM integrations.vault_secrets WHERE tenant_id = :t AND purpose LIKE 'oauth:%'"),
            {"t": tenant_id},
        )
    assert left.scalar_one() == 0
    failed = await run_tool(hubspot_service, tenant_id, "hubspot_get_contact", {"email": "ada@example.com"})
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unknown_tool"
    assert (await client.delete("/v1/integrations/nothing", headers=auth(api_key))).status_code == 404


async def test_testing_the_connection_reads_a_contact_and_reports_a_dead_grant(
    hubspot_service: Service, fake: FakeHubSpot, event_log: EventLog
) -> None:
    client = hubspot_service[0]
    _, api_key = await connect(hubspot_service, event_log)
    tested = (await client.post("/v1/integrations/hubspot/test", headers=auth(api_key))).json()
    assert (tested["ok"], tested["outcome"]) == (True, "ok"), tested
    fake.reject_all_access = True
    tested = (await client.post("/v1/integrations/hubspot/test", headers=auth(api_key))).json()
    assert (tested["ok"], tested["outcome"]) == (False, "unauthorized"), tested
    tested = (await client.post("/v1/integrations/hubspot/test", headers=auth(api_key))).json()
    assert tested["outcome"] == "not_connected"  # the rejected grant was revoked, as a tool call would have
