"""Which customer messages billing may acknowledge without a transaction: one of a conversation and month it has
booked and committed already (booking it again would change nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

from libs.events import Actor, Envelope, LlmCalled, MessageReceived, RecordedEvent, new_id
from services.billing.handlers import MeteredMonths

CUSTOMER = Actor(kind="customer", id="c")
OCT, NOV = datetime(2026, 10, 31, 23, 0, tzinfo=UTC), datetime(2026, 11, 1, 0, 30, tzinfo=UTC)


def message(conv: str, when: datetime, tenant: str = "t1") -> RecordedEvent:
    event = Envelope.new(
        MessageReceived(message_id=new_id("msg"), text="hi"), tenant_id=tenant, conversation_id=conv, actor=CUSTOMER
    )
    return RecordedEvent(1, event.model_copy(update={"occurred_at": when}))


def test_a_later_message_of_a_booked_conversation_and_month_needs_no_booking() -> None:
    metered, conv = MeteredMonths(), new_id("conv")
    first = message(conv, OCT)
    assert not metered.booked(first)
    metered.committed([first])
    assert metered.booked(message(conv, OCT))
    assert not metered.booked(message(conv, NOV)), "a new month: the conversation is active again, booked anew"
    assert not metered.booked(message(new_id("conv"), OCT))
    assert not metered.booked(message(conv, OCT, tenant="t2"))


def test_only_customer_messages_are_ever_skipped_and_the_memory_is_bounded() -> None:
    metered, conv = MeteredMonths(capacity=2), new_id("conv")
    call = LlmCalled(
        turn_id="t",
        provider="offline",
        model="m",
        input_tokens=1,
        output_tokens=1,
        cost_usd=0,
        latency_ms=1,
        stop_reason="end_turn",
    )
    model_call = RecordedEvent(2, Envelope.new(call, tenant_id="t1", conversation_id=conv, actor=CUSTOMER))
    metered.committed([model_call, message(conv, OCT)])
    assert not metered.booked(model_call)
    assert metered.booked(message(conv, OCT))
    metered.committed([message(new_id("conv"), OCT), message(new_id("conv"), OCT)])
    assert not metered.booked(message(conv, OCT)), "forgotten past its capacity: booked as before"
