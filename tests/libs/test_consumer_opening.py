"""A consumer opens the sealed fields of what it hands its handler, unless the subscription reads none (real
JetStream): one event at a time and in batches."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NATS

from libs.events import Actor, Envelope, EventLog, MessageReceived, RecordedEvent, new_id
from libs.events.sealing import is_sealed
from libs.events.subjects import conversation_subject
from libs.platform.consumers import Consumers, Subscription
from tests.support import eventually


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batched"])
@pytest.mark.parametrize("reads_personal", [True, False], ids=["opened", "as-stored"])
async def test_handlers_get_events_opened_only_if_they_read_personal_fields(
    event_log: EventLog, nc: NATS, tenant_id: str, batched: bool, reads_personal: bool
) -> None:
    conv = new_id("conv")
    subject = conversation_subject(tenant_id, conv, "message.received")
    customer = Actor(kind="customer", id="someone@example.com")
    for i in range(3):  # stored before the consumer starts, so that a batched one fetches them together
        payload = MessageReceived(message_id=new_id("msg"), text=f"my address is 1 Main St ({i})")
        await event_log.publish(Envelope.new(payload, tenant_id=tenant_id, conversation_id=conv, actor=customer))

    seen: list[RecordedEvent] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded)

    async def handle_batch(batch: list[RecordedEvent]) -> None:
        seen.extend(batch)

    name = new_id("opening").replace("_", "-")
    consumers = Consumers("test", nc, event_log)
    sub = Subscription(
        name, subject, handle, batch_handler=handle_batch if batched else None, reads_personal=reads_personal
    )
    consumers.add(sub)
    await consumers.start()
    try:
        await eventually(lambda: asyncio.sleep(0, len(seen) >= 3), timeout=30, what="the three messages")
    finally:
        await consumers.stop()
    texts = [r.event.payload.text for r in seen if isinstance(r.event.payload, MessageReceived)]
    ids = [r.event.actor.id for r in seen]
    if reads_personal:
        assert texts == [f"my address is 1 Main St ({i})" for i in range(3)]
        assert ids == ["someone@example.com"] * 3
    else:
        assert len(texts) == 3
        assert all(is_sealed(t) for t in texts), texts
        assert all(is_sealed(i) for i in ids), ids
