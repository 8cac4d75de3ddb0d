"""An ordered consumer's one open pull request (``libs.platform.pulls``), on real JetStream: events come as they are
written without a request each, and events delivered again while they waited behind a slow one are not handled
twice."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from libs.events import EventLog, RecordedEvent, new_id
from libs.events.streams import EVENTS_STREAM
from libs.platform.consumers import Consumers, Subscription
from tests.libs.conversations import Conversation
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
