"""An ordered consumer restarted after a crash: the events its killed process held unacknowledged are handled
before later ones (real JetStream)."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from libs.events import Actor, Envelope, EventLog, MessageReceived, RecordedEvent, new_id
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import conversation_subject
from libs.platform import nats_auth
from libs.platform.consumers import Consumers, Subscription
from tests.support import eventually

CUSTOMER = Actor(kind="customer", id="cust-1")


async def test_events_a_killed_process_held_are_handled_before_later_ones(
    event_log: EventLog, nc: NATS, nats_url: str, tenant_id: str
) -> None:
    conv = new_id("conv")
    subject = conversation_subject(tenant_id, conv, "message.received")
    name = new_id("ordered").replace("_", "-")

    def message(text: str) -> Envelope:
        payload = MessageReceived(message_id=new_id("msg"), text=text)
        return Envelope.new(payload, tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER)

    # The killed process: it took three events, acknowledged the first and died holding the other two.
    killed = await nats_auth.connect(nats_url)
    config = ConsumerConfig(
        durable_name=f"test-{name}",
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=1.0,
        filter_subject=subject,
    )
    await killed.jetstream().add_consumer(EVENTS_STREAM, config)
    positions = [await event_log.publish(message(f"m{i}")) for i in range(3)]
    held = await (await killed.jetstream().pull_subscribe_bind(f"test-{name}", stream=EVENTS_STREAM)).fetch(3)
    assert len(held) == 3
    await held[0].ack_sync()
    await killed.close()
    positions += [await event_log.publish(message(f"m{i}")) for i in range(3, 5)]  # written while it was down

    seen: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded.position)

    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, subject, handle, ack_wait_s=1.0))
    await consumers.start()
    try:
        await eventually(lambda: asyncio.sleep(0, len(seen) >= 4), timeout=30, what="the four unhandled events")
    finally:
        await consumers.stop()
    assert seen == positions[1:], "a later event overtook one the killed process held"
