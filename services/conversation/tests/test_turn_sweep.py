"""The turn sweep: a customer message left without an answer is resumed (``turn.stalled``), then handed to a human;
a conversation that is answered, or waits on a tool or a person, is left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from libs.events import (
    SYSTEM,
    Actor,
    AgentReplied,
    AgentTurnStarted,
    Envelope,
    EventLog,
    EventPayload,
    MessageReceived,
    ToolRequested,
    TurnStalled,
)
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.turn_sweep import HandOver, Resume, TurnSweep, stall_decision
from tests.support import eventually, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
STALL = timedelta(seconds=15)
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _at(payload: EventPayload, seconds: float, actor: Actor = SYSTEM) -> Envelope:
    event = Envelope.new(payload, tenant_id="ten_1", conversation_id="conv_1", actor=actor)
    return event.model_copy(update={"occurred_at": T0 + timedelta(seconds=seconds)})


MESSAGE = _at(MessageReceived(message_id="m1", text="where is my order?"), 0, Actor(kind="customer", id="c"))
STARTED = _at(AgentTurnStarted(turn_id="t1", trigger_event_id=MESSAGE.id, provider="offline", model="m"), 1)


def test_a_message_without_an_answer_is_resumed_then_handed_over() -> None:
    assert stall_decision([MESSAGE], T0 + timedelta(seconds=10), STALL) is None, "not stalled yet"
    assert isinstance(stall_decision([MESSAGE], T0 + timedelta(seconds=16), STALL), Resume)
    assert isinstance(stall_decision([MESSAGE, STARTED], T0 + timedelta(seconds=17), STALL), Resume)
    stalled = _at(TurnStalled(message_event_id=MESSAGE.id, waited_seconds=16), 16)
    assert stall_decision([MESSAGE, STARTED, stalled], T0 + timedelta(seconds=20), STALL) is None
    over = stall_decision([MESSAGE, STARTED, stalled], T0 + timedelta(seconds=32), STALL)
    assert isinstance(over, HandOver)
    assert over.turn_id == "t1"


def test_answered_or_waiting_on_others_is_left_alone() -> None:
    later = T0 + timedelta(minutes=5)
    reply = _at(AgentReplied(turn_id="t1", message_id="r1", text="shipped", provider="offline", model="m"), 2)
    assert stall_decision([MESSAGE, STARTED, reply], later, STALL) is None
    requested = ToolRequested(
        turn_id="t1", tool_call_id="c1", idempotency_key="k1", tool="lookup_order", service="integrations", arguments={}
    )
    tool = _at(requested, 2)
    assert stall_decision([MESSAGE, STARTED, tool], later, STALL) is None, "the agent's turn deadline ends those"


@pytest.fixture(scope="module")
async def conversation(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


async def test_the_sweep_resumes_a_silent_turn_then_hands_it_over(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    cid = (await client.post("/v1/conversations", headers=auth, json={})).json()["id"]
    await client.post(f"/v1/conversations/{cid}/messages", headers=auth, json={"text": "anyone there?"})

    async def projected() -> bool:
        view = (await client.get(f"/v1/conversations/{cid}", headers=auth)).json()
        return bool(view["status"] == "with_ai" and view["transcript"])

    await eventually(projected, what="the message to be projected")
    # No agent runs here: the message stays unanswered. A 0.2 s stall instead of 15 s.
    sweep = TurnSweep(runtime.db, runtime.event_log, stall_after=0.2, tenant_id=tenant.tenant_id)

    async def types() -> list[str]:
        return [r.event.type for r in await event_log.read(tenant.tenant_id, cid)]

    async def swept_to(kind: str) -> bool:
        await sweep.sweep_once()
        return kind in await types()

    await eventually(lambda: swept_to("turn.stalled"), what="the sweep to ask for the turn again")
    assert sweep.resumed == 1
    await eventually(lambda: swept_to("handoff.requested"), what="the sweep to hand the conversation over")
    assert sweep.handed_over == 1
    assert (await types()).count("handoff.requested") == 1
    await sweep.sweep_once()
    assert sweep.resumed == 1, "a conversation with a person is left alone"
    assert (await types()).count("turn.stalled") == 1
