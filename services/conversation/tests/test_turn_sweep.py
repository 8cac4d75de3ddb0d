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


def test_a_resumed_turn_that_stalls_again_is_handed_over_not_resumed_forever() -> None:
    stalled = _at(TurnStalled(message_event_id=MESSAGE.id, waited_seconds=16), 16)
    # The agent woke on turn.stalled and started again, then went silent: the newest event is not turn.stalled.
    again = _at(AgentTurnStarted(turn_id="t2", trigger_event_id=stalled.id, provider="offline", model="m"), 17)
    assert stall_decision([MESSAGE, STARTED, stalled, again], T0 + timedelta(seconds=25), STALL) is None
    over = stall_decision([MESSAGE, STARTED, stalled, again], T0 + timedelta(seconds=33), STALL)
    assert isinstance(over, HandOver), "one resume per message, then a person"
    assert over.turn_id == "t2"


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


async def test_candidates_the_sweep_cannot_act_on_do_not_hide_newer_ones(
    conversation: Service, event_log: EventLog
) -> None:
    """Two conversations waiting on a tool fill a page of two; the newer, unanswered one behind them is resumed."""
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}

    async def projected(cid: str) -> bool:
        view = (await client.get(f"/v1/conversations/{cid}", headers=auth)).json()
        return bool(view["status"] == "with_ai" and view["transcript"])

    async def customer_asks() -> str:
        cid = str((await client.post("/v1/conversations", headers=auth, json={})).json()["id"])
        await client.post(f"/v1/conversations/{cid}/messages", headers=auth, json={"text": "where is it?"})
        await eventually(lambda: projected(cid), what="the message to be projected")
        return cid

    waiting = [await customer_asks() for _ in range(2)]
    for cid in waiting:
        recorded = await event_log.read(tenant.tenant_id, cid)
        requested = ToolRequested(
            turn_id="t1", tool_call_id="c1", idempotency_key=f"k-{cid}", tool="lookup_order", service="x", arguments={}
        )
        event = Envelope.new(requested, tenant_id=tenant.tenant_id, conversation_id=cid, actor=SYSTEM)
        await event_log.append_one(tenant.tenant_id, cid, event, recorded[-1].position)
    newest = await customer_asks()
    sweep = TurnSweep(runtime.db, runtime.event_log, stall_after=0.2, tenant_id=tenant.tenant_id, page=2)

    async def resumed() -> bool:
        await sweep.sweep_once()
        return "turn.stalled" in [r.event.type for r in await event_log.read(tenant.tenant_id, newest)]

    await eventually(resumed, what="the newest conversation to be resumed")
    for cid in waiting:
        assert "turn.stalled" not in [r.event.type for r in await event_log.read(tenant.tenant_id, cid)]
