"""Replicas sharing a conversation's deliveries (decision 0044): a customer's burst of messages reaches several
replicas at once, and only the delivery of the newest event of the conversation decides; the others defer to it
instead of racing it on the log."""

from __future__ import annotations

import asyncio
import logging

import pytest

from libs.events import Envelope, EventLog, MessageReceived, new_id
from services.agent.policy import AgentPolicy
from services.agent.providers import OfflineModel
from services.agent.service import Agent
from services.agent.tests.test_loop import CUSTOMER, LOOKUP, new_conversation, types


async def more_messages(log: EventLog, tenant_id: str, conv: str, *texts: str) -> list[int]:
    """The customer's further messages, each its own append (and so its own delivery); their positions."""
    positions = []
    for text in texts:
        message = MessageReceived(message_id=new_id("msg"), text=text)
        event = Envelope.new(message, tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER)
        positions += await log.append(tenant_id, conv, [event], None)
    return positions


async def test_a_burst_of_messages_taken_by_three_replicas_is_answered_by_one_decision(
    event_log: EventLog, tenant_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    conv = await new_conversation(event_log, tenant_id, "hello")
    first = (await event_log.read(tenant_id, conv))[-1].position
    later = await more_messages(event_log, tenant_id, conv, "are you there?", "where is my order #1001?")
    replicas = [Agent(event_log, OfflineModel()) for _ in range(3)]  # three processes: no shared lock or cache

    caplog.set_level(logging.INFO, logger="deskpilot.agent")
    progress = await asyncio.wait_for(
        asyncio.gather(
            *(
                replica.advance(tenant_id, conv, [LOOKUP], AgentPolicy(), through=position)
                for replica, position in zip(replicas, [first, *later], strict=True)
            )
        ),
        30,
    )

    # The deliveries of the first two messages found a newer one in the log and left the step to its delivery.
    assert [p.steps for p in progress] == [0, 0, 1]
    assert types(await event_log.read(tenant_id, conv)).count("agent.turn_started") == 1
    assert "moved on; deciding again" not in caplog.text  # no replica's decision was voided by another's


async def test_the_delivery_of_the_newest_event_decides_whatever_order_deliveries_arrive_in(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = await new_conversation(event_log, tenant_id, "hello")
    first = (await event_log.read(tenant_id, conv))[-1].position
    (second,) = await more_messages(event_log, tenant_id, conv, "where is my order #1001?")
    agent = Agent(event_log, OfflineModel())

    # The newest event's delivery comes first: it reads the whole burst and opens the turn.
    assert (await agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy(), through=second)).steps == 1
    # The older delivery, late (a slow replica, a redelivery): nothing is left for it.
    assert (await agent.advance(tenant_id, conv, [LOOKUP], AgentPolicy(), through=first)).steps == 0
    assert types(await event_log.read(tenant_id, conv)).count("agent.turn_started") == 1
