"""A turn's appends against writers that collide with them: the turn still ends at once, and no event id is
logged twice. And a customer who asks the same thing again is answered, not mistaken for a loop."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from libs.events import SYSTEM, Envelope, EventLog, MessageReceived, UsageRecorded
from services.agent.policy import AgentPolicy
from services.agent.providers import OfflineModel
from services.agent.service import Agent
from services.agent.tests.test_loop import CUSTOMER, LOOKUP, answer_pending_tools, new_conversation, types


class CollidingJetStream:
    """JetStream, except that right after the agent's first ``llm.called`` lands, another service appends an event
    to the same conversation (as billing does with ``usage.recorded``): the agent's next expected-version append
    collides with it."""

    def __init__(self, js: JetStreamContext, tenant_id: str, conversation_id: str) -> None:
        self._js = js
        self._tenant_id = tenant_id
        self._conversation_id = conversation_id
        self.collided = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._js, name)

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> Any:
        ack = await self._js.publish(subject, payload, **kwargs)
        if subject.endswith(".llm.called") and not self.collided:
            self.collided += 1
            other = Envelope.new(
                UsageRecorded(
                    turn_id="turn_x", llm_calls=0, tool_calls=0, input_tokens=0, output_tokens=0, cost_usd=Decimal(0)
                ),
                tenant_id=self._tenant_id,
                conversation_id=self._conversation_id,
                actor=SYSTEM,
            )
            await self._js.publish(other.subject, other.encode(), stream=kwargs.get("stream"))
        return ack


async def test_a_write_landing_between_a_decisions_events_neither_stalls_nor_duplicates(
    nc: NATS, event_log: EventLog, tenant_id: str
) -> None:
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    colliding = EventLog(nc)
    jetstream = CollidingJetStream(nc.jetstream(), tenant_id, conv)
    colliding._js = jetstream  # type: ignore[assignment]
    agent = Agent(colliding, OfflineModel())

    # Bounded: before the fix, the agent retried this append forever (or until a redelivery minutes later).
    first = await asyncio.wait_for(agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy()), 10)
    assert jetstream.collided == 1
    assert first.steps == 1
    await answer_pending_tools(event_log, tenant_id, conv)
    await asyncio.wait_for(agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy()), 10)

    events = await event_log.read(tenant_id, conv)
    assert [t for t in types(events) if t != "usage.recorded"][2:] == [
        "agent.turn_started",
        "llm.called",
        "tool.requested",
        "tool.completed",
        "llm.called",
        "agent.replied",
    ]
    ids = Counter(r.event.id for r in events)
    assert ids.most_common(1)[0][1] == 1, "an event id appears twice in the log"


async def test_a_retried_append_of_a_stored_event_returns_its_position_instead_of_a_copy(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = await new_conversation(event_log, tenant_id, "hello")
    before = await event_log.read(tenant_id, conv)
    message = Envelope.new(
        MessageReceived(message_id="m2", text="again"), tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER
    )
    position = await event_log.append_one(tenant_id, conv, message, before[-1].position)
    # Someone else writes; then the same event is retried with its stale expectation: no second copy.
    other = Envelope.new(
        MessageReceived(message_id="m3", text="more"), tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER
    )
    await event_log.append_one(tenant_id, conv, other, None)
    assert await event_log.append_one(tenant_id, conv, message, before[-1].position) == position
    ids = [r.event.id for r in await event_log.read(tenant_id, conv)]
    assert ids.count(message.id) == 1


async def test_a_customer_asking_the_same_thing_five_times_gets_five_answers(
    event_log: EventLog, tenant_id: str
) -> None:
    agent = Agent(event_log, OfflineModel())
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    for i in range(5):
        if i:
            await event_log.append(
                tenant_id,
                conv,
                [
                    Envelope.new(
                        MessageReceived(message_id=f"again-{i}", text="where is my order #1001?"),
                        tenant_id=tenant_id,
                        conversation_id=conv,
                        actor=CUSTOMER,
                    )
                ],
                None,
            )
        await agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy())
        await answer_pending_tools(event_log, tenant_id, conv)
        await agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy())
    counted = types(await event_log.read(tenant_id, conv))
    assert counted.count("agent.replied") == 5
    assert "handoff.requested" not in counted
    assert "agent.limit_reached" not in counted
