"""An ordered consumer's one open pull request (``libs.platform.pulls``), on real JetStream: events come as they are
written without a request each, events delivered again while they waited behind a slow one are not handled
twice, and a gathering consumer handles events that came one at a time together."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from libs.events import ConversationResolved, Envelope, EventLog, RecordedEvent, new_id
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import conversation_filter
from libs.platform.consumers import Consumers, Subscription
from tests.libs.conversations import CUSTOMER, Conversation
from tests.support import eventually


async def test_events_come_through_one_open_request(event_log: EventLog, nc: NATS, tenant_id: str) -> None:
    conversation = Conversation(event_log, tenant_id)
    subject = conversation.subject
    name = new_id("standing").replace("_", "-")
    requests: list[Msg] = []

    async def asked(msg: Msg) -> None:
        requests.append(msg)

    watch = await nc.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.test-{name}", cb=asked)
    seen: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded.position)

    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, subject, handle))
    await consumers.start()
    try:
        positions = []
        for i in range(5):  # one at a time, each handled before the next is written
            positions.extend(await conversation.publish(1))
            await eventually(lambda: asyncio.sleep(0, len(seen) == len(positions)), timeout=30, what=f"event {i}")
    finally:
        await consumers.stop()
        await watch.unsubscribe()
    assert seen == positions
    assert len(requests) == 1, "a pull request per event"


async def test_a_redelivery_of_an_event_waiting_behind_a_slow_one_is_not_handled_again(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    conversation = Conversation(event_log, tenant_id)
    subject = conversation.subject
    name = new_id("standing").replace("_", "-")
    js = nc.jetstream()
    seen: list[int] = []

    async def redelivered() -> bool:
        info = await js.consumer_info(EVENTS_STREAM, f"test-{name}")
        return bool(info.num_redelivered)

    async def handle(recorded: RecordedEvent) -> None:
        if not seen:  # the first is slow (a handler riding out an outage): the ones behind it are delivered again
            await eventually(redelivered, timeout=30, what="the events behind the slow one delivered again")
        seen.append(recorded.position)

    positions = await conversation.publish(3)
    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, subject, handle, ack_wait_s=1.0))
    await consumers.start()
    try:
        await eventually(lambda: asyncio.sleep(0, len(seen) >= 3), timeout=30, what="the three events")
        # One more behind them: whatever was delivered again came before it, so once it is handled all were.
        positions.extend(await conversation.publish(1))
        await eventually(lambda: asyncio.sleep(0, positions[-1] in seen), timeout=30, what="the fourth event")
    finally:
        await consumers.stop()
    assert seen == positions, "an event delivered again was handled twice"


async def test_a_gathering_consumer_handles_events_that_came_one_at_a_time_in_one_batch(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    """``Subscription.gather_s``: events written one at a time wait for the one that ends the gathering and are handed
    to the batch handler with it, in log order; what comes after starts a new gathering, which ends after
    ``gather_s`` with what came if nothing ends it."""
    conversation = Conversation(event_log, tenant_id)
    name = new_id("gather").replace("_", "-")
    batches: list[list[int]] = []
    single: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        single.append(recorded.position)

    async def handle_batch(batch: list[RecordedEvent]) -> None:
        batches.append([r.position for r in batch])

    async def resolve() -> int:
        event = Envelope.new(
            ConversationResolved(by="ai"),
            tenant_id=tenant_id,
            conversation_id=conversation.id,
            actor=CUSTOMER,
        )
        return await event_log.publish(event)

    consumers = Consumers("test", nc, event_log)
    subscription = Subscription(
        name,
        conversation_filter(tenant_id, conversation.id),
        handle,
        batch_size=64,
        batch_handler=handle_batch,
        gather_s=10.0,  # long: what ends the gathering here is the resolution
        gather_until=frozenset({"conversation.resolved"}),
    )
    consumers.add(subscription)
    await consumers.start()
    try:
        first: list[int] = []
        for _ in range(3):
            first += await conversation.publish(1)
            await asyncio.sleep(0.2)  # one at a time, as a turn's events come
        assert (batches, single) == ([], []), "handled before the gathering ended"
        first.append(await resolve())
        await eventually(lambda: asyncio.sleep(0, bool(batches)), timeout=30, what="the gathered batch")
        assert batches == [first]
    finally:
        await consumers.stop()

    # Gathering for a short while: what came is handled when it is over, though nothing ended it.
    consumers = Consumers("test", nc, event_log)
    consumers.add(dataclasses.replace(subscription, gather_s=0.3))
    await consumers.start()
    try:
        later = await conversation.publish(2)
        await eventually(
            lambda: asyncio.sleep(0, later[-1] in single or any(later[-1] in b for b in batches[1:])),
            timeout=30,
            what="the events of a gathering nothing ended",
        )
    finally:
        await consumers.stop()
    assert single + [p for b in batches[1:] for p in b] == later


async def test_a_consumer_no_turn_waits_for_polls_and_holds_no_request_open(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    """``Subscription.polls`` (gathering, nothing ends it; decision 0062): each ask for events is one the server ends
    at once, so between polls no request is open to deliver an event as it is written (nor wake the process); what
    came is handled in log order, once, in batches."""
    conversation = Conversation(event_log, tenant_id)
    name = new_id("polls").replace("_", "-")
    asks: list[dict[str, object]] = []

    async def asked(msg: Msg) -> None:
        asks.append(json.loads(msg.data))

    watch = await nc.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.test-{name}", cb=asked)
    handled: list[list[int]] = []

    async def handle(recorded: RecordedEvent) -> None:
        handled.append([recorded.position])

    async def handle_batch(batch: list[RecordedEvent]) -> None:
        handled.append([r.position for r in batch])

    subscription = Subscription(
        name, conversation.subject, handle, batch_size=64, batch_handler=handle_batch, gather_s=0.2
    )
    assert subscription.polls
    consumers = Consumers("test", nc, event_log)
    consumers.add(subscription)
    await consumers.start()
    try:
        written: list[int] = []
        for _ in range(3):  # one at a time, as a turn's events come
            written += await conversation.publish(1)
            info = await nc.jetstream().consumer_info(EVENTS_STREAM, f"test-{name}")
            assert info.num_waiting == 0, "a pull request open between polls"
        await eventually(
            lambda: asyncio.sleep(0, sum(len(b) for b in handled) >= len(written)), timeout=30, what="the events"
        )
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, f"test-{name}")
    finally:
        await consumers.stop()
        await watch.unsubscribe()
    assert [p for b in handled for p in b] == written
    assert info.num_waiting == 0
    assert info.num_ack_pending == 0
    assert asks
    assert all(a.get("no_wait") is True for a in asks), asks
