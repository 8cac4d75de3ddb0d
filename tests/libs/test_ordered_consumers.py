"""An ordered consumer keeps log order across a crash and across a message it could not settle (real JetStream):
what a killed process held unacknowledged, and a message whose parking failed, are handled before later events,
because the consumer is reset to its ack floor before it fetches again (decision 0054)."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from libs.events import EventLog, PoisonEvent, RecordedEvent, new_id
from libs.events.streams import EVENTS_STREAM
from libs.platform import nats_auth
from libs.platform.consumers import Consumers, Subscription
from tests.libs.conversations import Conversation
from tests.support import eventually


async def killed_process(nats_url: str, durable: str, conversation: Conversation, fetch: int) -> tuple[NATS, list[Msg]]:
    """A process of the consumer that took ``fetch`` messages, to be killed (its connection closed) by the caller,
    having acknowledged none but those the caller acknowledges: its connection and what it held."""
    killed = await nats_auth.connect(nats_url)
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=1.0,
        filter_subject=conversation.subject,
    )
    await killed.jetstream().add_consumer(EVENTS_STREAM, config)
    held = await (await killed.jetstream().pull_subscribe_bind(durable, stream=EVENTS_STREAM)).fetch(fetch)
    assert len(held) == fetch
    return killed, held


async def handled_in_order(consumers: Consumers, seen: list[int], count: int) -> None:
    await consumers.start()
    try:
        await eventually(lambda: asyncio.sleep(0, len(seen) >= count), timeout=30, what=f"{count} handled events")
    finally:
        await consumers.stop()


async def test_events_a_killed_process_held_are_handled_before_later_ones(
    event_log: EventLog, nc: NATS, nats_url: str, tenant_id: str
) -> None:
    conversation = Conversation(event_log, tenant_id)
    name = new_id("ordered").replace("_", "-")
    await conversation.publish(3)
    killed, held = await killed_process(nats_url, f"test-{name}", conversation, 3)
    await held[0].ack_sync()  # it acknowledged the first and died holding the other two
    await killed.close()
    await conversation.publish(2)  # written while it was down

    seen: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded.position)

    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, conversation.subject, handle, ack_wait_s=1.0))
    await handled_in_order(consumers, seen, 4)
    assert seen == conversation.positions[1:], "a later event overtook one the killed process held"


async def test_a_killed_process_kept_alive_the_oldest_it_held_which_still_comes_first(
    event_log: EventLog, nc: NATS, nats_url: str, tenant_id: str
) -> None:
    """The killed process was handling the first of three events it took, keeping it alive: JetStream's ack wait
    runs out on the other two first, and it would redeliver them, in that order, before the first (tried on
    nats-server 2.15.1 with the wait-out-the-ack-wait start this replaced: 2, 3, 1, 4, 5)."""
    conversation = Conversation(event_log, tenant_id)
    name = new_id("ordered").replace("_", "-")
    await conversation.publish(3)
    killed, held = await killed_process(nats_url, f"test-{name}", conversation, 3)
    # Half an ack wait into handling the first, its handler keeps it alive; not synchronisation: it spaces the
    # ack deadlines JetStream keeps for the three (the other two's run out half a second before the first's).
    await asyncio.sleep(0.5)
    await held[0].in_progress()
    await killed.flush()
    await killed.close()
    await conversation.publish(2)

    seen: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded.position)

    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, conversation.subject, handle, ack_wait_s=1.0))
    await handled_in_order(consumers, seen, 5)
    assert seen == conversation.positions, "a later event overtook the one the killed process was handling"


class ParkingFails(EventLog):
    """NATS away while parking: a message that proves poison cannot be settled."""

    async def dead_letter(self, consumer: str, msg: Msg, reason: str) -> None:
        raise ConnectionError("NATS away while parking")


async def test_a_message_a_live_process_could_not_settle_is_handled_again_before_later_ones(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    """The first of three proves poison and its parking fails, so it stays unacknowledged: the consumer takes none
    of the others before it, and its redelivery (handled this time) comes before them, not after their ack
    (without the reset: 1, 2, 3, then 1 again once its ack wait ran out)."""
    conversation = Conversation(event_log, tenant_id)
    name = new_id("ordered").replace("_", "-")
    await conversation.publish(3)

    seen: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded.position)
        if seen == conversation.positions[:1]:
            raise PoisonEvent("cannot be applied, this time")

    consumers = Consumers("test", nc, ParkingFails(nc))
    consumers.add(Subscription(name, conversation.subject, handle, ack_wait_s=1.0))
    await handled_in_order(consumers, seen, 4)
    first, *rest = conversation.positions
    assert seen == [first, first, *rest], "a later event overtook one this process could not settle"
