"""The conversation read model on real PostgreSQL: built from the log in any order, verified by replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx2
import pytest

from libs.events import (
    SYSTEM,
    Actor,
    AgentReplied,
    ConversationStarted,
    Envelope,
    EventLog,
    MessageReceived,
    PlanQuotaStateChanged,
    RecordedEvent,
    new_id,
)
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.repository import ConversationRepository
from tests.support import eventually, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
CUSTOMER = Actor(kind="customer", id="c")
AI = Actor(kind="ai", id="agent")


@pytest.fixture(scope="module")
async def conversation(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


async def test_events_projected_out_of_order_still_give_the_whole_transcript(
    conversation: Service, event_log: EventLog
) -> None:
    _, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    tid, conv = tenant.tenant_id, new_id("conv")
    events = [
        Envelope.new(ConversationStarted(), tenant_id=tid, conversation_id=conv, actor=CUSTOMER),
        Envelope.new(MessageReceived(message_id="m1", text="hi"), tenant_id=tid, conversation_id=conv, actor=CUSTOMER),
        Envelope.new(
            AgentReplied(turn_id="t", message_id="m2", text="hello", provider="offline", model="deskpilot-offline-1"),
            tenant_id=tid,
            conversation_id=conv,
            actor=AI,
        ),
        Envelope.new(MessageReceived(message_id="m3", text="bye"), tenant_id=tid, conversation_id=conv, actor=CUSTOMER),
    ]
    positions = await event_log.append(tid, conv, events, expected_version=0)
    recorded = [RecordedEvent(p, e) for p, e in zip(positions, events, strict=True)]
    order = [recorded[0], recorded[3], recorded[1], recorded[2], recorded[3]]  # late, early and repeated
    for item in order:
        async with runtime.unit_of_work() as uow:
            await service.project(ConversationRepository(uow.session), item)
    async with runtime.db.session() as session:
        report = await service.replay(event_log, ConversationRepository(session), tid, conv)
        row = await ConversationRepository(session).get(tid, conv)
    assert [(e.role, e.text) for e in report.transcript] == [("customer", "hi"), ("ai", "hello"), ("customer", "bye")]
    assert report.matches, report.differences
    assert row is not None
    # Never moved back by the late events (billing may have appended usage.recorded after them meanwhile).
    assert row.last_position >= positions[-1]


async def test_a_batch_projected_in_one_go_gives_the_same_view_as_event_by_event(
    conversation: Service, event_log: EventLog
) -> None:
    _, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    tid, conv = tenant.tenant_id, new_id("conv")
    events = [
        Envelope.new(ConversationStarted(), tenant_id=tid, conversation_id=conv, actor=CUSTOMER),
        Envelope.new(MessageReceived(message_id="m1", text="hi"), tenant_id=tid, conversation_id=conv, actor=CUSTOMER),
        Envelope.new(
            AgentReplied(turn_id="t", message_id="m2", text="hello", provider="offline", model="deskpilot-offline-1"),
            tenant_id=tid,
            conversation_id=conv,
            actor=AI,
        ),
    ]
    positions = await event_log.append(tid, conv, events, expected_version=0)
    recorded = [RecordedEvent(p, e) for p, e in zip(positions, events, strict=True)]
    async with runtime.unit_of_work() as uow:  # the first two, as one fetch brought them
        await service.project_batch(ConversationRepository(uow.session), recorded[:2])
    async with runtime.unit_of_work() as uow:  # then a late repeat of the first together with the third
        await service.project_batch(ConversationRepository(uow.session), [recorded[2], recorded[1]])
    async with runtime.db.session() as session:
        report = await service.replay(event_log, ConversationRepository(session), tid, conv)
        row = await ConversationRepository(session).get(tid, conv)
    assert [(e.role, e.text) for e in report.transcript] == [("customer", "hi"), ("ai", "hello")]
    assert report.matches, report.differences
    assert row is not None
    assert row.status == "with_ai"
    assert row.last_position >= positions[-1]


async def test_replay_reports_a_view_that_differs_from_the_log(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    conv = (await client.post("/v1/conversations/", headers=auth)).json()["id"]
    await client.post(f"/v1/conversations/{conv}/messages", headers=auth, json={"text": "first"})
    # An event on the log that the view has not seen (as if the projection had lost it).
    await event_log.append(
        tenant.tenant_id,
        conv,
        [
            Envelope.new(
                MessageReceived(message_id="m", text="unseen"),
                tenant_id=tenant.tenant_id,
                conversation_id=conv,
                actor=CUSTOMER,
            )
        ],
        None,
    )
    async with runtime.db.session() as session:
        report = await service.replay(event_log, ConversationRepository(session), tenant.tenant_id, conv)
    # the consumer may have projected it meanwhile; if not, replay must say so
    stored = report.stored_entries
    assert report.matches == (stored == 2)
    if not report.matches:
        assert report.differences == ["entry 1: only in the log"]


async def test_a_retried_post_with_an_idempotency_key_creates_one_message(
    conversation: Service, event_log: EventLog
) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    conv = (await client.post("/v1/conversations/", headers=auth)).json()["id"]
    url = f"/v1/conversations/{conv}/messages"
    keyed = {**auth, "Idempotency-Key": "client-retry-1"}
    first, again = await asyncio.gather(
        client.post(url, headers=keyed, json={"text": "refund please"}),
        client.post(url, headers=keyed, json={"text": "refund please"}),
    )
    later = await client.post(url, headers=keyed, json={"text": "refund please"})
    other = await client.post(
        url, headers={**auth, "Idempotency-Key": "client-retry-2"}, json={"text": "refund please"}
    )
    assert {first.status_code, again.status_code, later.status_code, other.status_code} == {202}
    assert first.json()["message_id"] == again.json()["message_id"] == later.json()["message_id"]
    assert other.json()["message_id"] != first.json()["message_id"]
    received = await event_log.read_type(tenant.tenant_id, conv, "message.received")
    assert len(received) == 2


async def test_past_the_hard_limit_new_conversations_follow_the_tenants_behaviour(
    conversation: Service, event_log: EventLog
) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    month = datetime.now(UTC).strftime("%Y-%m")

    async def announce(state: str, behaviour: str) -> None:
        await event_log.publish(
            Envelope.new(
                PlanQuotaStateChanged(
                    month=month,
                    plan="free",
                    state=state,
                    behaviour=behaviour,
                    refusal_message="Your free plan's 50 conversations are used up.",
                ),
                tenant_id=tenant.tenant_id,
                actor=SYSTEM,
            )
        )

    await announce("over_hard_limit", "refuse")

    async def refused() -> httpx2.Response | None:
        r = await client.post("/v1/conversations/", headers=auth)
        return r if r.status_code == 402 else None

    refusal = await eventually(refused, what="the refusal to apply")
    assert refusal.json()["detail"] == "Your free plan's 50 conversations are used up."

    await announce("over_hard_limit", "handoff")

    async def opened() -> str | None:
        r = await client.post("/v1/conversations/", headers=auth)
        return str(r.json()["id"]) if r.status_code == 201 else None

    conv = await eventually(opened, what="handoff behaviour to apply")
    types = [r.event.type for r in await event_log.read(tenant.tenant_id, conv)]
    assert types == ["conversation.started", "handoff.requested"]
    view = (await client.get(f"/v1/conversations/{conv}", headers=auth)).json()
    assert view["status"] == "waiting_human"

    await announce("within_limits", "handoff")

    async def back_to_normal() -> str | None:
        r = await client.post("/v1/conversations/", headers=auth)
        if r.status_code != 201:
            return None
        cid = str(r.json()["id"])
        events = await event_log.read(tenant.tenant_id, cid)
        return cid if [e.event.type for e in events] == ["conversation.started"] else None

    await eventually(back_to_normal, what="the block to lift")


async def test_a_customers_history_across_conversations(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    mine = [
        (await client.post("/v1/conversations/", headers=auth, json={"customer_id": "ada@example.com"})).json()["id"]
        for _ in range(2)
    ]
    await client.post("/v1/conversations/", headers=auth, json={"customer_id": "alan@example.com"})
    history = await client.get("/v1/conversations/", headers=auth, params={"customer_id": "ada@example.com"})
    assert history.status_code == 200
    assert sorted(c["id"] for c in history.json()["items"]) == sorted(mine)
    assert {c["customer_id"] for c in history.json()["items"]} == {"ada@example.com"}
