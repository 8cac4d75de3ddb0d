"""Zendesk against a local fake over real HTTP: the OAuth dance with PKCE (the fake checks the verifier), rotating
refresh tokens stored before use, tickets created/updated/read on the real execution path, a create running once
on redelivery, and dry-run."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from libs.events import (
    Actor,
    Envelope,
    EventLog,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    new_id,
)
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.manifest import builtin_manifests
from services.integrations.repository import IntegrationsRepository
from services.integrations.tests.fake_zendesk import CLIENT_ID, CLIENT_SECRET, SUBDOMAIN, FakeZendesk, serving
from services.integrations.vault import new_master_key
from tests.support import outbox_events, provision_tenant, running

REDIRECT = "http://service/v1/integrations/oauth/callback"
Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes, FakeZendesk]


@pytest.fixture(scope="module")
async def zendesk_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    async with serving(FakeZendesk(redirect_uri=REDIRECT)) as fake:
        clients = {
            "zendesk": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{fake.base_url}/{{subdomain}}/oauth/authorizations/new",
                "token_url": f"{fake.base_url}/{{subdomain}}/oauth/tokens",
                "api_base_url": f"{fake.base_url}/{{subdomain}}",
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
def fake(zendesk_service: Service) -> FakeZendesk:
    fake = zendesk_service[3]
    fake.expires_in, fake.refresh_calls, fake.creates = 3600, 0, 0
    fake.used_refresh_tokens.clear()
    fake.tickets.clear()
    return fake


def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


async def connect(svc: Service, event_log: EventLog) -> tuple[str, str]:
    """Provision a tenant and connect its Zendesk account through the whole browser dance (PKCE)."""
    client, runtime, _, _ = svc
    tenant = await provision_tenant(event_log, runtime)
    started = await client.post(
        "/v1/integrations/zendesk/connect", json={"params": {"subdomain": SUBDOMAIN}}, headers=auth(tenant.api_key)
    )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/{SUBDOMAIN}/oauth/authorizations/new"
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tickets:read tickets:write"]
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(url)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    done = await client.get(back.path, params=parse_qs(back.query))
    assert done.status_code == 200, done.text
    return tenant.tenant_id, tenant.api_key


def tool_call(tenant_id: str, tool: str, arguments: dict[str, Any]) -> RecordedEvent:
    call = new_id("call")
    request = ToolRequested(
        turn_id="turn_1",
        tool_call_id=call,
        idempotency_key=f"{tenant_id}:{call}",
        tool=tool,
        service="integrations",
        arguments=arguments,
    )
    return RecordedEvent(
        1, Envelope.new(request, tenant_id=tenant_id, conversation_id=new_id("conv"), actor=Actor(kind="ai", id="a"))
    )


async def outcome_of(runtime: ServiceRuntime, request: RecordedEvent) -> list[Any]:
    return [
        e.payload
        for e in await outbox_events(runtime)
        if e.type in ("tool.completed", "tool.failed") and e.causation_id == request.event.id
    ]


async def run_tool(svc: Service, tenant_id: str, tool: str, arguments: dict[str, Any]) -> ToolCompleted | ToolFailed:
    _, runtime, remotes, _ = svc
    request = tool_call(tenant_id, tool, arguments)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    (outcome,) = await outcome_of(runtime, request)
    assert isinstance(outcome, ToolCompleted | ToolFailed)
    return outcome


async def test_the_fake_checks_the_pkce_verifier(zendesk_service: Service, fake: FakeZendesk) -> None:
    verifier = "v" * 64
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(
            f"{fake.base_url}/{SUBDOMAIN}/oauth/authorizations/new",
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT,
                "state": "s" * 20,
                "code_challenge": "not-the-challenge-of-the-verifier",
                "code_challenge_method": "S256",
            },
        )
        code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
        refused = await browser.post(
            f"{fake.base_url}/{SUBDOMAIN}/oauth/tokens",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
        )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


async def test_tickets_are_created_updated_and_read_and_a_create_runs_once(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    request = tool_call(
        tenant_id,
        "zendesk_create_ticket",
        {"subject": "Parcel lost", "body": "Order #1001 never arrived.", "requester_email": "ada@example.com"},
    )
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    async with runtime.unit_of_work() as uow:
        assert not await service.execute(uow, request, remotes)  # redelivery: nothing done
    (created,) = await outcome_of(runtime, request)
    assert isinstance(created, ToolCompleted), created
    assert fake.creates == 1
    ticket_id = created.result["id"]
    assert fake.tickets[ticket_id]["subject"] == "Parcel lost"

    updated = await run_tool(
        zendesk_service,
        tenant_id,
        "zendesk_update_ticket",
        {"ticket_id": ticket_id, "status": "pending", "comment": "We are checking with the carrier."},
    )
    assert isinstance(updated, ToolCompleted), updated
    assert fake.tickets[ticket_id]["status"] == "pending"
    assert fake.tickets[ticket_id]["comments"][-1] == {"body": "We are checking with the carrier.", "public": False}

    got = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": ticket_id})
    assert isinstance(got, ToolCompleted), got
    assert (got.result["subject"], got.result["status"]) == ("Parcel lost", "pending")
    missing = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 999999})
    assert isinstance(missing, ToolFailed)
    assert missing.kind == "not_found"


async def test_rotated_refresh_tokens_are_stored_before_use(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    fake.expires_in = 120  # due for refresh at once
    tenant_id, _ = await connect(zendesk_service, event_log)
    first_refresh = fake.issued[-1]
    fake.expires_in = 3600
    fake.tickets[7] = {"id": 7, "subject": "Hello", "status": "open", "comments": []}
    got = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 7})
    assert isinstance(got, ToolCompleted), got
    assert fake.refresh_calls == 1
    assert first_refresh not in fake.refresh_tokens  # rotated: the first refresh token is dead at Zendesk
    # Force another refresh: it can only succeed with the rotated refresh token, so that one was stored.
    manifest = builtin_manifests()["zendesk"]
    async with runtime.db.session() as session:
        repo = IntegrationsRepository(session)
        current = await remotes.oauth.access_token(repo, tenant_id, manifest)
        again = await remotes.oauth.access_token(repo, tenant_id, manifest, stale=current)
    assert again != current
    assert fake.refresh_calls == 2
    assert fake.used_refresh_tokens == [first_refresh, fake.issued[-3]]
    ok = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 7})
    assert isinstance(ok, ToolCompleted)
    assert fake.refresh_calls == 2


async def test_dry_run_reads_live_and_only_describes_writes(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, _, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    fake.tickets[8] = {"id": 8, "subject": "Refund?", "status": "open", "comments": []}
    async with runtime.unit_of_work() as uow:
        assert await IntegrationsRepository(uow.session).set_mode(tenant_id, "zendesk", "dry_run")
    write = await run_tool(zendesk_service, tenant_id, "zendesk_create_ticket", {"subject": "x", "body": "y"})
    assert isinstance(write, ToolCompleted)
    assert write.dry_run
    assert write.result["summary"].startswith("Would call Zendesk")
    assert fake.creates == 0
    update = await run_tool(zendesk_service, tenant_id, "zendesk_update_ticket", {"ticket_id": 8, "status": "solved"})
    assert isinstance(update, ToolCompleted)
    assert fake.tickets[8]["status"] == "open"
    read = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 8})
    assert isinstance(read, ToolCompleted)
    assert read.result["subject"] == "Refund?"
