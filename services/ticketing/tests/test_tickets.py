"""Tickets and human agents on real PostgreSQL + JetStream: a handoff opens one ticket, a human is assigned,
replies on the conversation's log, resolves it, and the customer's CSAT is recorded as an event."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from libs.events import (
    Actor,
    Envelope,
    EventLog,
    HandoffRequested,
    MessageReceived,
    Priority,
    RecordedEvent,
    new_id,
)
from libs.platform.runtime import ServiceRuntime
from services.ticketing import service
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.models import agents
from tests.support import eventually, outbox_events, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, ticketing_database: dict[str, str]) -> AsyncIterator[Service]:
    settings = TicketingSettings.model_validate({"NATS_URL": nats_url, **ticketing_database})
    async with running(create_app(settings)) as svc:
        yield svc


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def handoff_event(tenant_id: str, conv: str, priority: Priority = "normal") -> Envelope:
    return Envelope.new(
        HandoffRequested(
            turn_id="t", reason="refund above policy", summary="Customer wants $300 back", priority=priority
        ),
        tenant_id=tenant_id,
        conversation_id=conv,
        actor=Actor(kind="ai", id="agent"),
    )


async def open_ticket(runtime: ServiceRuntime, tenant_id: str, priority: Priority = "normal") -> tuple[str, str]:
    """A handoff processed as the consumer does; returns (conversation id, ticket id)."""
    conv = new_id("conv")
    async with runtime.unit_of_work() as uow:
        assert await service.open_ticket_for_handoff(uow, RecordedEvent(1, handoff_event(tenant_id, conv, priority)))
    (created,) = [e for e in await outbox_events(runtime, "ticket.created") if e.conversation_id == conv]
    return conv, created.payload.ticket_id  # type: ignore[union-attr]


async def new_agent(
    client: httpx2.AsyncClient, admin_key: str, name: str, role: str = "agent", **extra: Any
) -> dict[str, Any]:
    r = await client.post("/v1/tickets/agents/", json={"name": name, "role": role, **extra}, headers=auth(admin_key))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def on_log(event_log: EventLog, tenant_id: str, conv: str, event_type: str, count: int = 1) -> list[Any]:
    """The events of a type on the conversation's log, once the outbox relay has published ``count`` of them."""

    async def published() -> list[Any] | None:
        found = await event_log.read_type(tenant_id, conv, event_type)
        return found if len(found) >= count else None

    return await eventually(published, what=f"{count} {event_type} on {conv}")


async def test_a_redelivered_handoff_opens_one_ticket(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    conv = new_id("conv")
    handoff = handoff_event(tenant.tenant_id, conv, "high")
    created = []
    for _ in range(3):
        async with runtime.unit_of_work() as uow:
            created.append(await service.open_ticket_for_handoff(uow, RecordedEvent(7, handoff)))
    assert created == [True, False, False]
    (ticket,) = (await client.get("/v1/tickets/", headers=auth(tenant.api_key))).json()["items"]
    assert ticket["conversation_id"] == conv
    assert ticket["priority"] == "high"
    assert ticket["status"] == "open"
    assert ticket["assignee"] is None  # nobody to assign yet
    assert "Customer wants $300 back" in ticket["summary"]
    assert "refund above policy" in ticket["summary"]
    events = [e for e in await outbox_events(runtime, "ticket.created") if e.conversation_id == conv]
    assert len(events) == 1
    assert events[0].causation_id == handoff.id
    other = await provision_tenant(event_log, runtime)
    r = await client.get(f"/v1/tickets/{ticket['ticket_id']}", headers=auth(other.api_key))
    assert r.status_code == 404


async def test_agent_keys_identify_an_agent_and_its_role(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    lead = await new_agent(client, tenant.api_key, "Lea", role="admin")
    alice = await new_agent(client, tenant.api_key, "Alice", email="alice@example.com")
    assert alice["api_key"].startswith("dpa_")
    assert alice["role"] == "agent"
    # only the digest is stored
    async with runtime.db.session() as session:
        stored = (await session.execute(select(agents).where(agents.c.agent_id == alice["agent_id"]))).mappings().one()
    assert alice["api_key"] not in str(dict(stored))
    assert stored["api_key_sha256"] == hashlib.sha256(alice["api_key"].encode()).hexdigest()

    me = await client.get("/v1/tickets/agents/me", headers=auth(alice["api_key"]))
    assert me.status_code == 200
    assert me.json()["agent_id"] == alice["agent_id"]
    assert "api_key" not in me.json()
    assert (await client.get("/v1/tickets/agents/me", headers=auth(tenant.api_key))).status_code == 403
    # an agent cannot create agents or change roles; an admin agent can
    r = await client.post("/v1/tickets/agents/", json={"name": "Mallory"}, headers=auth(alice["api_key"]))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    r = await client.patch(
        f"/v1/tickets/agents/{alice['agent_id']}", json={"role": "admin"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 403
    bob = await new_agent(client, lead["api_key"], "Bob")
    # an agent sets its own availability, not someone else's
    r = await client.patch(
        f"/v1/tickets/agents/{alice['agent_id']}", json={"availability": "away"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 200
    assert r.json()["availability"] == "away"
    r = await client.patch(
        f"/v1/tickets/agents/{bob['agent_id']}", json={"availability": "away"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/v1/tickets/agents/{alice['agent_id']}", json={"availability": "busy"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 422
    r = await client.patch(
        f"/v1/tickets/agents/{bob['agent_id']}", json={"active": None}, headers=auth(lead["api_key"])
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_request")  # a NOT NULL violation (500) before
    # unknown and deactivated keys are refused at once; other tenants see nothing
    assert (await client.get("/v1/tickets/", headers=auth("dpa_" + "x" * 43))).status_code == 401
    assert (await client.get("/v1/tickets/", headers=auth(bob["api_key"]))).status_code == 200
    r = await client.patch(
        f"/v1/tickets/agents/{bob['agent_id']}", json={"active": False}, headers=auth(tenant.api_key)
    )
    assert r.status_code == 200
    assert (await client.get("/v1/tickets/", headers=auth(bob["api_key"]))).status_code == 401
    other = await provision_tenant(event_log, runtime)
    assert (await client.get("/v1/tickets/agents/", headers=auth(other.api_key))).json() == {"items": []}
    r = await client.patch(
        f"/v1/tickets/agents/{alice['agent_id']}", json={"availability": "away"}, headers=auth(other.api_key)
    )
    assert r.status_code == 404
    listed = (await client.get("/v1/tickets/agents/", headers=auth(alice["api_key"]))).json()["items"]
    assert [a["name"] for a in listed] == ["Lea", "Alice", "Bob"]


async def test_round_robin_among_available_agents_and_manual_assignment(
    ticketing: Service, event_log: EventLog
) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    alice = await new_agent(client, tenant.api_key, "Alice")
    bob = await new_agent(client, tenant.api_key, "Bob")
    carol = await new_agent(client, tenant.api_key, "Carol")
    await client.patch(
        f"/v1/tickets/agents/{carol['agent_id']}", json={"availability": "away"}, headers=auth(carol["api_key"])
    )
    tickets = [await open_ticket(runtime, tenant.tenant_id) for _ in range(4)]
    assignees = []
    for conv, ticket_id in tickets:
        body = (await client.get(f"/v1/tickets/{ticket_id}", headers=auth(tenant.api_key))).json()
        assignees.append(body["assignee"])
        (assigned,) = [e for e in await outbox_events(runtime, "human.assigned") if e.conversation_id == conv]
        assert assigned.payload.agent_id == body["assignee"]  # type: ignore[union-attr]
        assert assigned.payload.method == "round_robin"  # type: ignore[union-attr]
    assert assignees == [alice["agent_id"], bob["agent_id"], alice["agent_id"], bob["agent_id"]]

    conv, ticket_id = tickets[0]
    # an admin assigns anyone (even an agent who is away); an agent only itself
    r = await client.post(
        f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": carol["agent_id"]}, headers=auth(tenant.api_key)
    )
    assert r.status_code == 200
    assert r.json()["assignee"] == carol["agent_id"]
    r = await client.post(
        f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": carol["agent_id"]}, headers=auth(bob["api_key"])
    )
    assert r.status_code == 403
    r = await client.post(
        f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": bob["agent_id"]}, headers=auth(bob["api_key"])
    )
    assert r.status_code == 200
    assert r.json()["assignee"] == bob["agent_id"]
    manual = [e.payload for e in await outbox_events(runtime, "human.assigned") if e.conversation_id == conv]
    assert [(p.agent_id, p.method, p.previous_agent_id) for p in manual] == [  # type: ignore[union-attr]
        (alice["agent_id"], "round_robin", None),
        (carol["agent_id"], "manual", alice["agent_id"]),
        (bob["agent_id"], "manual", carol["agent_id"]),
    ]
    r = await client.post(
        f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": "agt_nobody"}, headers=auth(tenant.api_key)
    )
    assert r.status_code == 404
    # with nobody available, a ticket stays unassigned and round-robin on demand says so
    for agent in (alice, bob):
        await client.patch(
            f"/v1/tickets/agents/{agent['agent_id']}", json={"availability": "away"}, headers=auth(agent["api_key"])
        )
    _, lonely = await open_ticket(runtime, tenant.tenant_id)
    r = await client.get("/v1/tickets/", params={"view": "unassigned"}, headers=auth(tenant.api_key))
    assert [t["ticket_id"] for t in r.json()["items"]] == [lonely]
    r = await client.post(f"/v1/tickets/{lonely}/assignment", json={}, headers=auth(tenant.api_key))
    assert r.status_code == 409
    assert "no agent is available" in r.json()["detail"]
    await client.patch(
        f"/v1/tickets/agents/{carol['agent_id']}", json={"availability": "available"}, headers=auth(carol["api_key"])
    )
    r = await client.post(f"/v1/tickets/{lonely}/assignment", json={}, headers=auth(tenant.api_key))
    assert r.status_code == 200
    assert r.json()["assignee"] == carol["agent_id"]


async def test_a_human_replies_resolves_and_the_customer_rates_it(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    alice = await new_agent(client, tenant.api_key, "Alice")
    # the handoff arrives through the log, as the agent appends it: the ticketing-handoffs consumer opens the ticket
    conv = new_id("conv")
    handoff = handoff_event(tenant.tenant_id, conv, "high")
    await event_log.append(tenant.tenant_id, conv, [handoff], expected_version=None)
    (created,) = await on_log(event_log, tenant.tenant_id, conv, "ticket.created")
    ticket_id = created.event.payload.ticket_id
    assert created.event.causation_id == handoff.id
    (assigned,) = await on_log(event_log, tenant.tenant_id, conv, "human.assigned")
    assert assigned.event.payload.agent_id == alice["agent_id"]
    assert assigned.event.payload.agent_name == "Alice"

    # the tenant key has no agent identity: it cannot speak to the customer
    r = await client.post(f"/v1/tickets/{ticket_id}/replies", json={"text": "hi"}, headers=auth(tenant.api_key))
    assert r.status_code == 403
    r = await client.post(f"/v1/tickets/{ticket_id}/replies", json={"text": ""}, headers=auth(alice["api_key"]))
    assert r.status_code == 422
    r = await client.post(
        f"/v1/tickets/{ticket_id}/replies",
        json={"text": "I have refunded the $300."},
        headers=auth(alice["api_key"]),
    )
    assert r.status_code == 201, r.text
    message_id, ticket = r.json()["message_id"], r.json()["ticket"]
    assert ticket["status"] == "pending"  # waiting for the customer
    assert ticket["sla"]["first_responded_at"] is not None
    (replied,) = await on_log(event_log, tenant.tenant_id, conv, "human.replied")
    assert replied.event.payload.message_id == message_id
    assert replied.event.payload.text == "I have refunded the $300."
    assert replied.event.payload.agent_id == alice["agent_id"]
    assert replied.event.actor == Actor(kind="human", id=alice["agent_id"])

    # an internal note stays off the conversation's log
    r = await client.post(
        f"/v1/tickets/{ticket_id}/notes", json={"text": "customer is a VIP"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 201
    notes = (await client.get(f"/v1/tickets/{ticket_id}/notes", headers=auth(tenant.api_key))).json()["items"]
    assert [n["text"] for n in notes] == ["customer is a VIP"]
    (note,) = [e for e in await outbox_events(runtime, "ticket.note_added") if e.tenant_id == tenant.tenant_id]
    assert note.conversation_id is None
    assert note.subject.startswith(f"dp.tenant.{tenant.tenant_id}.")
    await on_log(event_log, tenant.tenant_id, conv, "ticket.status_changed")  # everything before it is published
    everything = await event_log.read(tenant.tenant_id, conv)
    assert all("VIP" not in r.event.encode().decode() for r in everything)

    # the customer answers: the ticket is back in the inbox
    message = Envelope.new(
        MessageReceived(message_id=new_id("msg"), text="thanks, but where is it?"),
        tenant_id=tenant.tenant_id,
        conversation_id=conv,
        actor=Actor(kind="customer", id="c1"),
    )
    await event_log.publish(message)

    async def reopened() -> bool:
        body = (await client.get(f"/v1/tickets/{ticket_id}", headers=auth(tenant.api_key))).json()
        return bool(body["status"] == "open")

    await eventually(reopened, what="the customer's message to reopen the pending ticket")

    # CSAT only after resolution
    r = await client.post(f"/v1/tickets/{ticket_id}/csat", json={"score": 5}, headers=auth(tenant.api_key))
    assert r.status_code == 409
    assert "not resolved" in r.json()["detail"]
    r = await client.post(
        f"/v1/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 200
    assert r.json()["status"] == "resolved"
    assert r.json()["sla"]["resolved_at"] is not None
    (resolved,) = await on_log(event_log, tenant.tenant_id, conv, "conversation.resolved")
    assert resolved.event.payload.by == "human"
    assert resolved.event.actor.kind == "human"
    (asked,) = await on_log(event_log, tenant.tenant_id, conv, "csat.requested")
    assert asked.event.payload.ticket_id == ticket_id
    changes = await on_log(event_log, tenant.tenant_id, conv, "ticket.status_changed", count=3)
    assert [(c.event.payload.previous, c.event.payload.status) for c in changes] == [
        ("open", "pending"),
        ("pending", "open"),
        ("open", "resolved"),
    ]
    # resolving again changes nothing; a resolved ticket takes no reply
    r = await client.post(
        f"/v1/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 200
    r = await client.post(f"/v1/tickets/{ticket_id}/replies", json={"text": "x"}, headers=auth(alice["api_key"]))
    assert r.status_code == 409

    r = await client.post(f"/v1/tickets/{ticket_id}/csat", json={"score": 6}, headers=auth(tenant.api_key))
    assert r.status_code == 422
    r = await client.post(f"/v1/tickets/{ticket_id}/csat", json={"score": 4}, headers=auth(alice["api_key"]))
    assert r.status_code == 403  # agents do not rate their own work
    r = await client.post(
        f"/v1/tickets/{ticket_id}/csat", json={"score": 4, "comment": "quick"}, headers=auth(tenant.api_key)
    )
    assert r.status_code == 201
    assert r.json()["csat"]["score"] == 4
    r = await client.post(f"/v1/tickets/{ticket_id}/csat", json={"score": 1}, headers=auth(tenant.api_key))
    assert r.status_code == 409
    assert "already rated" in r.json()["detail"]
    (rated,) = await on_log(event_log, tenant.tenant_id, conv, "csat.recorded")
    assert (rated.event.payload.score, rated.event.payload.comment) == (4, "quick")
    assert len(await event_log.read_type(tenant.tenant_id, conv, "conversation.resolved")) == 1


async def test_the_inbox_filters(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    alice = await new_agent(client, tenant.api_key, "Alice")
    _, mine = await open_ticket(runtime, tenant.tenant_id, "urgent")
    await client.patch(
        f"/v1/tickets/agents/{alice['agent_id']}", json={"availability": "away"}, headers=auth(alice["api_key"])
    )
    _, nobodys = await open_ticket(runtime, tenant.tenant_id, "low")
    r = await client.patch(
        f"/v1/tickets/{nobodys}", json={"team": "billing", "tags": ["refund", "vip"]}, headers=auth(tenant.api_key)
    )
    assert r.status_code == 200
    assert r.json()["tags"] == ["refund", "vip"]
    assert (
        await client.patch(f"/v1/tickets/{nobodys}", json={"tags": ["no spaces"]}, headers=auth(tenant.api_key))
    ).status_code == 422
    for bad in ({"priority": None}, {"tags": None}, {"priority": "meh"}, {"colour": "red"}):
        r = await client.patch(f"/v1/tickets/{nobodys}", json=bad, headers=auth(tenant.api_key))
        assert r.status_code == 422, bad
    r = await client.patch(f"/v1/tickets/{nobodys}", json={"priority": "urgent"}, headers=auth(tenant.api_key))
    assert r.json()["priority"] == "urgent"
    # the running timers are re-targeted from the ticket's creation with the urgent policy (15 min, 4 h)
    created = datetime.fromisoformat(r.json()["created_at"])
    assert datetime.fromisoformat(r.json()["sla"]["first_response_due_at"]) - created == timedelta(minutes=15)
    assert datetime.fromisoformat(r.json()["sla"]["resolution_due_at"]) - created == timedelta(hours=4)

    async def ids(key: str, **params: str) -> list[str]:
        r = await client.get("/v1/tickets/", params=params, headers=auth(key))
        assert r.status_code == 200, r.text
        return [t["ticket_id"] for t in r.json()["items"]]

    assert await ids(alice["api_key"], view="mine") == [mine]
    assert (await client.get("/v1/tickets/", params={"view": "mine"}, headers=auth(tenant.api_key))).status_code == 403
    assert await ids(tenant.api_key, view="unassigned") == [nobodys]
    assert await ids(tenant.api_key, team="billing") == [nobodys]
    assert await ids(tenant.api_key, tag="vip") == [nobodys]
    assert await ids(tenant.api_key, priority="urgent") == [nobodys, mine]
    assert await ids(tenant.api_key) == [nobodys, mine]
    assert await ids(tenant.api_key, view="breaching") == []
    await client.post(f"/v1/tickets/{mine}/status", json={"status": "resolved"}, headers=auth(alice["api_key"]))
    assert await ids(tenant.api_key, status="resolved") == [mine]
    assert await ids(tenant.api_key, status="open") == [nobodys]
    r = await client.get("/v1/tickets/", params={"view": "everything"}, headers=auth(tenant.api_key))
    assert r.status_code == 422
    r = await client.get("/v1/tickets/", headers={"Authorization": "Bearer dp_wrong"})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


async def test_an_agent_hands_the_conversation_back_to_the_ai(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    alice = await new_agent(client, tenant.api_key, "Alice")
    conv = new_id("conv")
    await event_log.append(tenant.tenant_id, conv, [handoff_event(tenant.tenant_id, conv)], expected_version=None)
    (created,) = await on_log(event_log, tenant.tenant_id, conv, "ticket.created")
    ticket_id = created.event.payload.ticket_id
    r = await client.post(f"/v1/tickets/{ticket_id}/handback", json={}, headers=auth(tenant.api_key))
    assert r.status_code == 403  # the tenant key is no agent
    r = await client.post(
        f"/v1/tickets/{ticket_id}/handback", json={"note": "all sorted"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 200, r.text
    (back,) = await on_log(event_log, tenant.tenant_id, conv, "conversation.handed_back")
    assert (back.event.payload.agent_id, back.event.payload.note) == (alice["agent_id"], "all sorted")
    r = await client.post(
        f"/v1/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=auth(alice["api_key"])
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/tickets/{ticket_id}/handback", json={}, headers=auth(alice["api_key"]))
    assert r.status_code == 409


async def test_the_first_email_of_a_conversation_opens_one_ticket(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    conv = new_id("conv")
    customer = Actor(kind="customer", id="ada@example.com")

    def mail(text: str) -> Envelope:
        return Envelope.new(
            MessageReceived(message_id=new_id("msg"), text=text, channel="email"),
            tenant_id=tenant.tenant_id,
            conversation_id=conv,
            actor=customer,
        )

    await event_log.append(tenant.tenant_id, conv, [mail("Damaged parcel\n\nThe box arrived crushed.")], None)
    (created,) = await on_log(event_log, tenant.tenant_id, conv, "ticket.created")
    assert (created.event.payload.source, created.event.payload.subject) == ("email", "Damaged parcel")
    await event_log.append(tenant.tenant_id, conv, [mail("Any news?")], None)
    other = new_id("conv")
    chat = Envelope.new(
        MessageReceived(message_id=new_id("msg"), text="hi", channel="web"),
        tenant_id=tenant.tenant_id,
        conversation_id=other,
        actor=customer,
    )
    (last,) = await event_log.append(tenant.tenant_id, other, [chat], None)

    async def settled() -> bool:
        # The consumer is ordered: once it has delivered and acknowledged our last message, all ours are done.
        info = await event_log.jetstream.consumer_info("DP_EVENTS", "ticketing-customer-messages")
        return bool(info.delivered.stream_seq >= last and info.num_ack_pending == 0)

    await eventually(settled, timeout=60, what="ticketing to process the messages")
    inbox = (await client.get("/v1/tickets/", headers=auth(tenant.api_key))).json()["items"]
    assert [(t["conversation_id"], t["source"]) for t in inbox] == [(conv, "email")]
