"""Row-level security holds in ticketing as in every service: connected as a role that owns no table and has no
BYPASSRLS, with the inbox's and a ticket's queries stripped of their ``tenant_id`` filter, neither a tenant's key
nor its human agent's key ever gets another tenant's tickets — the edge narrows each request to the tenant of the
caller it recognised (``libs.platform.edge``). The consumers write in the event's tenant scope, the API in the
caller's (PostgreSQL records the scope of each insert)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from libs.events import EventLog, new_id
from libs.platform.runtime import ServiceRuntime
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.models import tickets
from services.ticketing.repository import InboxFilter, TicketRepository, TicketRow
from services.ticketing.tests.test_accounts import agent_with_password, sign_in
from services.ticketing.tests.test_tickets import auth, handoff_event, new_agent, on_log
from tests.support import provision_tenant, running, write_scopes

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, ticketing_database: dict[str, str]) -> AsyncIterator[Service]:
    """Ticketing as ``deskpilot up`` runs it: its own login role (no superuser, no BYPASSRLS, owns nothing); the
    migrations run as the owner (``conftest.py``)."""
    assert ticketing_database["DATABASE_URL"] != ticketing_database["DATABASE_OWNER_URL"]
    settings = TicketingSettings.model_validate({"NATS_URL": nats_url, **ticketing_database})
    async with running(create_app(settings)) as svc:
        yield svc


async def _unfiltered_inbox(self: TicketRepository, _tenant_id: str, f: InboxFilter) -> list[TicketRow]:
    """``inbox`` with its tenant filter removed: only row-level security stands between tenants."""
    query = select(tickets).order_by(tickets.c.created_at.desc()).limit(1000)
    return [TicketRow.from_row(r) for r in (await self.session.execute(query)).mappings()]


async def _unfiltered_get(self: TicketRepository, _tenant_id: str, ticket_id: str, **_: Any) -> TicketRow | None:
    row = (await self.session.execute(select(tickets).where(tickets.c.ticket_id == ticket_id))).mappings().first()
    return TicketRow.from_row(row) if row else None


async def _handed_off(event_log: EventLog, tenant_id: str) -> str:
    """A handoff appended to a new conversation's log; the ticket id the ``ticketing-handoffs`` consumer opened."""
    conv = new_id("conv")
    await event_log.append(tenant_id, conv, [handoff_event(tenant_id, conv)], expected_version=None)
    (created,) = await on_log(event_log, tenant_id, conv, "ticket.created")
    ticket_id: str = created.event.payload.ticket_id
    return ticket_id


async def test_a_ticket_query_without_its_tenant_filter_returns_no_other_tenants_tickets(
    ticketing: Service, event_log: EventLog, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = ticketing
    a = await provision_tenant(event_log, runtime, "Tenant A")
    b = await provision_tenant(event_log, runtime, "Tenant B")
    async with (
        write_scopes(database_url, "ticketing.tickets") as opened,
        write_scopes(database_url, "ticketing.agents") as created,
    ):
        agents = {t.tenant_id: (await new_agent(client, t.api_key, "Ada"))["api_key"] for t in (a, b)}
        own = {t.tenant_id: await _handed_off(event_log, t.tenant_id) for t in (a, b)}
        mine = {a.tenant_id, b.tenant_id}
        assert sorted(s for s in await opened() if s[0] in mine) == sorted((t, t) for t in mine), "consumer"
        assert sorted(s for s in await created() if s[0] in mine) == sorted((t, t) for t in mine), "API"
    monkeypatch.setattr(TicketRepository, "inbox", _unfiltered_inbox)
    monkeypatch.setattr(TicketRepository, "get", _unfiltered_get)

    for tenant, other in ((a, b), (b, a)):
        for key in (tenant.api_key, agents[tenant.tenant_id]):  # the tenant's own key, its human agent's key
            listed = await client.get("/v1/tickets/", headers=auth(key))
            assert listed.status_code == 200, listed.text
            assert [t["ticket_id"] for t in listed.json()["items"]] == [own[tenant.tenant_id]]
            theirs = await client.get(f"/v1/tickets/{own[other.tenant_id]}", headers=auth(key))
            assert theirs.status_code == 404
            assert (await client.get(f"/v1/tickets/{own[tenant.tenant_id]}", headers=auth(key))).status_code == 200


async def test_a_sign_in_is_written_in_its_agents_tenant_scope(
    ticketing: Service, event_log: EventLog, database_url: str
) -> None:
    """The e-mail names no tenant, so the password is checked in the system scope; the sign-in key it earns is
    written in the agent's tenant's, as a widget chat is once its key is known."""
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    agent = await agent_with_password(client, tenant.api_key)
    async with write_scopes(database_url, "ticketing.issued_keys") as issued:
        signed_in = await sign_in(client, agent["email"], agent["password"])
        assert signed_in.status_code == 201, signed_in.text
        assert [s for s in await issued() if s[0] == tenant.tenant_id] == [(tenant.tenant_id, tenant.tenant_id)]
    own = await client.get("/v1/tickets/agents/me", headers=auth(signed_in.json()["session_key"]))
    assert (own.status_code, own.json()["agent_id"]) == (200, agent["agent_id"])
