"""Event-log semantics on a real JetStream server: concurrency, idempotency, order, upcasting, dead letters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import DiscardPolicy, StorageType, StreamConfig

from libs.events import (
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    LlmCalled,
    MessageReceived,
    PoisonEvent,
    RecordedEvent,
    VersionConflict,
    new_id,
)
from libs.events.streams import DEAD_LETTER_STREAM, EVENTS_STREAM
from libs.events.subjects import conversation_subject, dead_letter_subject
from libs.platform.consumers import Consumers, Subscription
from tests.support import eventually

CUSTOMER = Actor(kind="customer", id="cust-1")


def message(tenant_id: str, conversation_id: str, text: str) -> Envelope:
    return Envelope.new(
        MessageReceived(message_id=new_id("msg"), text=text),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=CUSTOMER,
    )


def started(tenant_id: str, conversation_id: str) -> Envelope:
    return Envelope.new(ConversationStarted(), tenant_id=tenant_id, conversation_id=conversation_id, actor=CUSTOMER)


async def test_append_then_read_in_order(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    events = [started(tenant_id, conv), *(message(tenant_id, conv, f"m{i}") for i in range(5))]
    positions = await event_log.append(tenant_id, conv, events, expected_version=0)
    assert positions == sorted(positions)
    assert len(set(positions)) == 6
    read = await event_log.read(tenant_id, conv)
    assert [r.event.id for r in read] == [e.id for e in events]
    assert [r.position for r in read] == positions


async def test_read_from_a_version_returns_only_later_events(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    events = [started(tenant_id, conv), message(tenant_id, conv, "a"), message(tenant_id, conv, "b")]
    positions = await event_log.append(tenant_id, conv, events, expected_version=0)
    later = await event_log.read(tenant_id, conv, from_version=positions[0])
    assert [r.event.id for r in later] == [events[1].id, events[2].id]
    assert await event_log.read(tenant_id, conv, from_version=positions[-1]) == []


async def test_stale_expected_version_is_a_conflict_for_the_whole_conversation(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    (first,) = await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)
    # A different event type is a different subject of the same conversation: still a conflict.
    await event_log.append(tenant_id, conv, [message(tenant_id, conv, "someone else wrote")], expected_version=first)
    with pytest.raises(VersionConflict):
        await event_log.append(tenant_id, conv, [message(tenant_id, conv, "stale")], expected_version=first)
    with pytest.raises(VersionConflict):
        await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)


async def test_writes_to_other_conversations_do_not_conflict(event_log: EventLog, tenant_id: str) -> None:
    conv, other = new_id("conv"), new_id("conv")
    (position,) = await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)
    await event_log.append(tenant_id, other, [started(tenant_id, other)], expected_version=0)
    await event_log.append(tenant_id, conv, [message(tenant_id, conv, "hi")], expected_version=position)
    assert len(await event_log.read(tenant_id, conv)) == 2


async def test_two_writers_racing_on_one_version_only_one_wins(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    (position,) = await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)
    results = await asyncio.gather(
        *(event_log.append(tenant_id, conv, [message(tenant_id, conv, f"w{i}")], position) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, VersionConflict) for r in results) == 4
    assert len(await event_log.read(tenant_id, conv)) == 2


async def test_duplicate_append_returns_original_positions_without_a_second_copy(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    events = [started(tenant_id, conv), message(tenant_id, conv, "once")]
    first = await event_log.append(tenant_id, conv, events, expected_version=0)
    # The retry carries the now-stale expectation, exactly as a client retrying after a lost ack would.
    again = await event_log.append(tenant_id, conv, events, expected_version=0)
    assert again == first
    unconditional = await event_log.append(tenant_id, conv, events[1:], expected_version=None)
    assert unconditional == first[1:]
    assert [r.event.id for r in await event_log.read(tenant_id, conv)] == [e.id for e in events]


async def test_append_next_says_whether_nothing_came_between(event_log: EventLog, tenant_id: str) -> None:
    """A position only when the event lands right after ``after``: a conflict and a retry are both None, without a
    read, and an unconditional append of the retry then returns its original position."""
    conv = new_id("conv")
    (first,) = await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)
    quick = message(tenant_id, conv, "right after")
    second = await event_log.append_next(tenant_id, conv, quick, first)
    assert second is not None
    assert second > first
    assert await event_log.append_next(tenant_id, conv, message(tenant_id, conv, "behind"), first) is None
    assert await event_log.append_next(tenant_id, conv, quick, first) is None, "a retry proves nothing"
    assert await event_log.append_next(tenant_id, conv, quick, second) is None, "not even at its own position"
    assert await event_log.append(tenant_id, conv, [quick], expected_version=None) == [second]
    assert [r.position for r in await event_log.read(tenant_id, conv)] == [first, second]


async def test_append_rejects_events_of_another_conversation(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    with pytest.raises(ValueError, match="does not belong"):
        await event_log.append(tenant_id, conv, [started(tenant_id, new_id("conv"))], expected_version=0)


async def test_a_stored_v1_event_is_read_as_the_current_version(event_log: EventLog, nc: NATS, tenant_id: str) -> None:
    conv = new_id("conv")
    await event_log.append(tenant_id, conv, [started(tenant_id, conv)], expected_version=0)
    legacy = {
        "id": new_id("legacy"),
        "type": "llm.called",
        "schema_version": 1,
        "tenant_id": tenant_id,
        "conversation_id": conv,
        "occurred_at": "2025-06-01T12:00:00Z",
        "causation_id": None,
        "correlation_id": "corr-1",
        "actor": {"kind": "ai", "id": "agent"},
        "payload": {
            "turn_id": "turn-1",
            "provider": "anthropic",
            "model": "claude-sonnet-4-5",
            "tokens_in": 1200,
            "tokens_out": 80,
            "latency_ms": 900.5,
            "cost_usd": "0.0048",
        },
    }
    await nc.jetstream().publish(
        conversation_subject(tenant_id, conv, "llm.called"), json.dumps(legacy).encode(), stream=EVENTS_STREAM
    )
    read = await event_log.read(tenant_id, conv)
    upcast = read[-1].event
    assert upcast.schema_version == LlmCalled.SCHEMA_VERSION == 3  # v1 → v2 (usage names) → v3 (release)
    assert isinstance(upcast.payload, LlmCalled)
    assert (upcast.payload.input_tokens, upcast.payload.output_tokens) == (1200, 80)
    assert upcast.payload.cache_read_tokens == 0
    assert upcast.payload.stop_reason == "unknown"
    assert upcast.payload.release == "unknown"  # written before the event named its release


async def test_poison_message_is_dead_lettered_and_the_consumer_keeps_going(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    conv = new_id("conv")
    subject = conversation_subject(tenant_id, conv, "message.received")
    seen: list[RecordedEvent] = []
    done = asyncio.Event()

    async def handle(recorded: RecordedEvent) -> None:
        seen.append(recorded)
        done.set()

    name = new_id("poison").replace("_", "-")
    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, subject, handle))
    await consumers.start()
    try:
        await nc.jetstream().publish(subject, b"{not json", stream=EVENTS_STREAM)
        good = message(tenant_id, conv, "after the poison")
        await event_log.publish(good)
        await asyncio.wait_for(done.wait(), 10)
        assert [r.event.id for r in seen] == [good.id]
        parked = await nc.jetstream().get_last_msg(DEAD_LETTER_STREAM, dead_letter_subject(f"test-{name}"))
        assert parked.data == b"{not json"
        assert parked.headers is not None
        assert parked.headers["Dp-Reason"].startswith("poison:")
        assert parked.headers["Dp-Original-Subject"] == subject
    finally:
        await consumers.stop()


@asynccontextmanager
async def consuming(nc: NATS, event_log: EventLog, sub: Subscription) -> AsyncIterator[None]:
    consumers = Consumers("test", nc, event_log)
    consumers.add(sub)
    await consumers.start()
    try:
        yield
    finally:
        await consumers.stop()


async def parked_reason(nc: NATS, name: str) -> str:
    """Wait until consumer ``name`` has parked a message; its ``Dp-Reason``."""
    subject = dead_letter_subject(f"test-{name}")

    async def parked() -> bool:
        info = await nc.jetstream().stream_info(DEAD_LETTER_STREAM, subjects_filter=subject)
        return bool(info.state.subjects)

    await eventually(parked, what=f"a message parked by {name}")
    msg = await nc.jetstream().get_last_msg(DEAD_LETTER_STREAM, subject)
    assert msg.headers is not None
    return str(msg.headers["Dp-Reason"])


async def test_failing_handler_is_retried_in_place_then_dead_lettered(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    conv = new_id("conv")
    subject = conversation_subject(tenant_id, conv, "message.received")
    attempts: list[int] = []

    async def always_fails(recorded: RecordedEvent) -> None:
        attempts.append(recorded.position)
        raise RuntimeError("downstream is broken")

    name = new_id("failing").replace("_", "-")
    async with consuming(nc, event_log, Subscription(name, subject, always_fails, max_attempts=2)):
        await event_log.publish(message(tenant_id, conv, "will fail"))
        assert "failed 2 times" in await parked_reason(nc, name)
        assert len(attempts) == 2


async def test_an_event_the_handler_finds_unappliable_is_parked_at_once(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    conv = new_id("conv")
    subject = conversation_subject(tenant_id, conv, "message.received")
    attempts: list[int] = []

    async def refuses(recorded: RecordedEvent) -> None:
        attempts.append(recorded.position)
        raise PoisonEvent("the ticket id is missing")

    name = new_id("unappliable").replace("_", "-")
    async with consuming(nc, event_log, Subscription(name, subject, refuses, max_attempts=5)):
        await event_log.publish(message(tenant_id, conv, "cannot be applied"))
        assert await parked_reason(nc, name) == "poison: the ticket id is missing"
        assert len(attempts) == 1  # no retries: it would fail the same way five times


async def test_streams_are_append_only(nc: NATS, event_log: EventLog) -> None:
    info = await nc.jetstream().stream_info(EVENTS_STREAM)
    config: StreamConfig = info.config
    assert config.deny_delete
    assert config.deny_purge
    assert config.storage == StorageType.FILE
    assert config.discard == DiscardPolicy.NEW
    assert (config.duplicate_window or 0) >= 60
