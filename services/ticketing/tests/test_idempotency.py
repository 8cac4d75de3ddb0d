"""Ticketing's POSTs take an ``Idempotency-Key`` as every service's do (``libs.platform.edge``), whichever key calls
(the tenant's, a human agent's): a retry replays the first answer and creates nothing, the same key on another body
is 422, another tenant's same key is its own. On real PostgreSQL: the stored answer is sealed, so the key a new
agent is shown once is not at rest in clear."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import func, select, update

from libs.events import EventLog
from libs.platform.idempotency import SEALED
from libs.platform.runtime import ServiceRuntime
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.tests.test_tickets import auth, new_agent, open_ticket
from tests.support import provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, ticketing_database: dict[str, str]) -> AsyncIterator[Service]:
    settings = TicketingSettings.model_validate({"NATS_URL": nats_url, **ticketing_database})
    async with running(create_app(settings)) as svc:
        yield svc


async def _agent_names(client: httpx2.AsyncClient, key: str) -> list[str]:
    listed = await client.get("/v1/tickets/agents/", headers=auth(key))
    assert listed.status_code == 200, listed.text
    return sorted(a["name"] for a in listed.json()["items"])


async def test_a_retry_replays_the_first_answer_and_creates_once(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    headers = {**auth(tenant.api_key), "Idempotency-Key": "agent-ada"}
    body = {"name": "Ada", "role": "agent"}
    first = await client.post("/v1/tickets/agents/", json=body, headers=headers)
    again = await client.post("/v1/tickets/agents/", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()  # the agent's key too: it was shown once, to this request
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _agent_names(client, tenant.api_key) == ["Ada"]

    table = runtime.idempotency.table
    async with runtime.db.session() as session:
        stored = (
            await session.execute(
                select(table.c.body).where(table.c.tenant_id == tenant.tenant_id, table.c.key == "agent-ada")
            )
        ).scalar_one()
    assert stored.startswith(SEALED)
    assert first.json()["api_key"].encode() not in stored
    assert b"Ada" not in stored

    reused = await client.post("/v1/tickets/agents/", json={"name": "Bob", "role": "agent"}, headers=headers)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert await _agent_names(client, tenant.api_key) == ["Ada"]


async def test_keys_are_per_tenant(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    a = await provision_tenant(event_log, runtime, "Tenant A")
    b = await provision_tenant(event_log, runtime, "Tenant B")
    body = {"name": "Ada", "role": "agent"}
    mine = await client.post("/v1/tickets/agents/", json=body, headers={**auth(a.api_key), "Idempotency-Key": "k1"})
    theirs = await client.post("/v1/tickets/agents/", json=body, headers={**auth(b.api_key), "Idempotency-Key": "k1"})
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["agent_id"] != mine.json()["agent_id"]
    assert theirs.json()["api_key"] != mine.json()["api_key"]
    assert await _agent_names(client, a.api_key) == ["Ada"]
    assert await _agent_names(client, b.api_key) == ["Ada"]


async def test_a_human_agents_note_is_written_once(ticketing: Service, event_log: EventLog) -> None:
    """A route a human agent's key calls: its retries are the agent's tenant's, replayed like the tenant key's."""
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    ada = await new_agent(client, tenant.api_key, "Ada")
    _, ticket_id = await open_ticket(runtime, tenant.tenant_id)
    url, headers = f"/v1/tickets/{ticket_id}/notes", {**auth(ada["api_key"]), "Idempotency-Key": "note-1"}
    first = await client.post(url, json={"text": "called the courier"}, headers=headers)
    again = await client.post(url, json={"text": "called the courier"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    other = await client.post(url, json={"text": "another note"}, headers=headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    notes = (await client.get(url, headers=auth(ada["api_key"]))).json()["items"]
    assert [n["text"] for n in notes] == ["called the courier"]


async def test_keys_older_than_a_day_are_deleted_with_their_answers(ticketing: Service, event_log: EventLog) -> None:
    """What every service's ``idempotency-purge`` task does hourly: an answer is kept about a day, not for good."""
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    for key in ("yesterday", "today"):
        headers = {**auth(tenant.api_key), "Idempotency-Key": key}
        created = await client.post("/v1/tickets/agents/", json={"name": key, "role": "agent"}, headers=headers)
        assert created.status_code == 201, created.text
    table = runtime.idempotency.table
    mine = table.c.tenant_id == tenant.tenant_id
    async with runtime.db.session() as session, session.begin():
        backdated = update(table).where(mine, table.c.key == "yesterday")
        await session.execute(backdated.values(created_at=func.now() - timedelta(hours=24, seconds=1)))
    assert await runtime.idempotency.purge() >= 1
    async with runtime.db.session() as session:
        assert list((await session.execute(select(table.c.key).where(mine))).scalars()) == ["today"]
    again = await client.post(
        "/v1/tickets/agents/",
        json={"name": "yesterday", "role": "agent"},
        headers={**auth(tenant.api_key), "Idempotency-Key": "yesterday"},
    )
    assert "idempotent-replayed" not in again.headers  # the key is free again: a new request, a new agent
    assert await _agent_names(client, tenant.api_key) == ["today", "yesterday", "yesterday"]


async def test_an_answer_is_replayed_only_to_the_key_it_was_made_for(ticketing: Service, event_log: EventLog) -> None:
    """The edge replays before the handler checks the caller's role: a human agent who sends an admin's request
    with the admin's Idempotency-Key must not get the admin's answer (here, a new admin's key: shown once)."""
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    agent = await new_agent(client, tenant.api_key, "Ada")
    body, key = {"name": "Root", "role": "admin"}, {"Idempotency-Key": "new-admin"}
    made = await client.post("/v1/tickets/agents/", json=body, headers={**auth(tenant.api_key), **key})
    assert made.status_code == 201, made.text
    replayed = await client.post("/v1/tickets/agents/", json=body, headers={**auth(agent["api_key"]), **key})
    assert (replayed.status_code, replayed.json()["code"]) == (422, "idempotency_key_reused")
    assert made.json()["api_key"] not in replayed.text
    refused = await client.post("/v1/tickets/agents/", json=body, headers=auth(agent["api_key"]))
    assert refused.status_code == 403  # what the agent gets without the key: the route is the admins'
    again = await client.post("/v1/tickets/agents/", json=body, headers={**auth(tenant.api_key), **key})
    assert again.json() == made.json()  # the admin's own retry still replays


async def test_an_answer_that_can_no_longer_be_opened_is_409_not_run_again(
    ticketing: Service, event_log: EventLog
) -> None:
    """Its master key version retired (or the row damaged): every retry was a 500 for a day; now a 409 that says the
    request ran, and nothing runs twice. 409 rather than freeing the key: running a POST that did run again could
    duplicate what it did (a second agent, a second reply)."""
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    headers = {**auth(tenant.api_key), "Idempotency-Key": "agent-lost"}
    body = {"name": "Ada", "role": "agent"}
    assert (await client.post("/v1/tickets/agents/", json=body, headers=headers)).status_code == 201
    table = runtime.idempotency.table
    row = (table.c.tenant_id == tenant.tenant_id) & (table.c.key == "agent-lost")
    async with runtime.db.session() as session:
        sealed = (await session.execute(select(table.c.body).where(row))).scalar_one()
        version, _, rest = sealed[len(SEALED) :].partition(b":")
        for damaged in (SEALED + b"retired:" + rest, sealed[:-1] + bytes([sealed[-1] ^ 1])):
            await session.execute(update(table).where(row).values(body=damaged))
            await session.commit()
            again = await client.post("/v1/tickets/agents/", json=body, headers=headers)
            assert (again.status_code, again.json()["code"]) == (409, "idempotency_answer_lost"), again.text
            assert "not run again" in again.json()["detail"]
    assert version
    assert await _agent_names(client, tenant.api_key) == ["Ada"]
    fresh = await client.post(
        "/v1/tickets/agents/", json=body, headers={**auth(tenant.api_key), "Idempotency-Key": "k2"}
    )
    assert fresh.status_code == 201, fresh.text
