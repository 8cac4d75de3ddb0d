"""Metering rules and the price table's tool prices: AI resolutions, human-handled conversations, monthly active
conversations, and what a tool call costs — booked through the same pure function the live path and rebuild use."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast

from libs.events import (
    Actor,
    AgentReplied,
    ConversationResolved,
    Envelope,
    HandoffRequested,
    HumanAssigned,
    HumanReplied,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    new_id,
)
from libs.platform.runtime import ServiceRuntime
from libs.pricing import tool_cost, tool_price
from services.billing.booking import ANNOUNCING_TYPES, BOOKED_TYPES, Booked, book
from services.billing.handlers import subscriptions
from services.billing.rebuild import MemoryLedger
from services.billing.repository import LedgerRepository
from services.billing.tests.conftest import Service

CUSTOMER, AI, HUMAN = Actor(kind="customer", id="c"), Actor(kind="ai", id="a"), Actor(kind="human", id="h")


def at(payload: object, tenant: str, conv: str, when: datetime, actor: Actor = AI) -> Envelope:
    e = Envelope.new(payload, tenant_id=tenant, conversation_id=conv, actor=actor)  # type: ignore[arg-type]
    return e.model_copy(update={"occurred_at": when})


def scenario(tenant: str) -> tuple[list[Envelope], dict[str, str]]:
    convs = {name: new_id("conv") for name in ("ai", "handed_off_then_ai", "human", "two_months", "tools")}
    oct1, oct2 = datetime(2026, 10, 1, 12, tzinfo=UTC), datetime(2026, 10, 2, 12, tzinfo=UTC)
    nov1 = datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC)
    msg = MessageReceived(message_id="m", text="hi")
    handoff = HandoffRequested(turn_id="t", reason="r", summary="s")
    events = [
        at(msg, tenant, convs["ai"], oct1, CUSTOMER),
        at(ConversationResolved(by="ai"), tenant, convs["ai"], oct2),
        at(msg, tenant, convs["handed_off_then_ai"], oct1, CUSTOMER),
        at(handoff, tenant, convs["handed_off_then_ai"], oct1),
        at(ConversationResolved(by="ai"), tenant, convs["handed_off_then_ai"], oct2),
        at(msg, tenant, convs["human"], oct1, CUSTOMER),
        at(ConversationResolved(by="human"), tenant, convs["human"], oct2, HUMAN),
        at(ConversationResolved(by="ai"), tenant, convs["human"], nov1),  # only the first resolution counts
        at(msg, tenant, convs["two_months"], oct2, CUSTOMER),
        at(msg, tenant, convs["two_months"], nov1, CUSTOMER),
        at(msg, tenant, convs["two_months"], nov1, CUSTOMER),
        at(
            ToolCompleted(turn_id="t", tool_call_id="1", tool="search_knowledge", result={}, latency_ms=1),
            tenant,
            convs["tools"],
            oct1,
        ),
        at(
            ToolCompleted(
                turn_id="t", tool_call_id="2", tool="search_knowledge", result={}, latency_ms=1, dry_run=True
            ),
            tenant,
            convs["tools"],
            oct1,
        ),
        at(
            ToolFailed(
                turn_id="t", tool_call_id="3", tool="search_knowledge", kind="transient", message="m", latency_ms=1
            ),
            tenant,
            convs["tools"],
            oct1,
        ),
        at(
            ToolFailed(
                turn_id="t",
                tool_call_id="4",
                tool="search_knowledge",
                kind="invalid_arguments",
                message="m",
                latency_ms=1,
            ),
            tenant,
            convs["tools"],
            oct1,
        ),
        at(
            ToolCompleted(turn_id="t", tool_call_id="5", tool="get_order_status", result={}, latency_ms=1),
            tenant,
            convs["tools"],
            oct1,
        ),
    ]
    return events, convs


async def test_meters_follow_the_rules_in_memory_and_in_postgres_alike(billing: Service) -> None:
    _, runtime = billing
    tenant = new_id("ten")
    events, convs = scenario(tenant)
    memory = MemoryLedger()
    for position, event in enumerate(events * 2, start=1):  # everything twice: redelivery
        await book(memory, RecordedEvent(position, event))
        async with runtime.unit_of_work() as uow:
            await book(LedgerRepository(uow.session), RecordedEvent(position, event))
    async with runtime.db.session() as session:
        live = await LedgerRepository(session).snapshot(tenant)
    assert live.differences(memory.snapshot()) == []

    meters = {name: live.meters[(tenant, conv)] for name, conv in convs.items() if (tenant, conv) in live.meters}
    assert meters["ai"].ai_resolution
    assert not meters["handed_off_then_ai"].ai_resolution  # a human was involved
    assert meters["handed_off_then_ai"].human_involved_at is not None
    assert (meters["human"].resolved_by, meters["human"].ai_resolution) == ("human", False)
    months = sorted(m for (_, m, c) in live.active if c == convs["two_months"])
    assert months == ["2026-10", "2026-11"]
    assert "tools" not in meters  # tool calls alone make no conversation active

    tool_lines = sorted(
        ((e.tool, e.outcome, e.error_kind, e.cost_usd) for e in live.entries.values()),
        key=lambda t: (t[0] or "", t[1] or "", t[2] or "", t[3]),
    )
    assert tool_lines == [
        ("get_order_status", "completed", None, Decimal(0)),  # no price entry: free
        ("search_knowledge", "completed", None, Decimal(0)),  # dry run: never executed
        ("search_knowledge", "completed", None, Decimal("0.0002")),
        ("search_knowledge", "failed", "invalid_arguments", Decimal(0)),  # never executed
        ("search_knowledge", "failed", "transient", Decimal("0.0002")),  # executed, failed: the vendor still charges
    ]


def test_tool_prices_are_dated() -> None:
    assert tool_price("search_knowledge", date(2025, 12, 31)) is None  # before its first entry
    assert tool_cost("search_knowledge", date(2026, 3, 1)) == Decimal("0.0002")
    assert tool_cost("search_knowledge", date(2026, 3, 1), executed=False) == 0
    assert tool_cost("no_such_tool", date(2026, 3, 1)) == 0


async def test_the_ledger_consumer_gathers_a_turn_until_an_event_that_can_announce_something() -> None:
    """The ledger consumer holds a turn's events back (``gather_s``) until one whose booking can announce something
    (a turn's ``usage.recorded``, a quota threshold or state) is among them, and books that one at once: every booked
    type that can announce, found here by booking one of each, is among those it stops for."""
    tenant, conv, turn = new_id("ten"), new_id("conv"), new_id("turn")
    now = datetime.now(UTC)
    payloads = [
        LlmCalled(
            turn_id=turn,
            provider="anthropic",
            model="claude-sonnet-4-5",
            input_tokens=1,
            output_tokens=1,
            latency_ms=1,
            cost_usd=Decimal(0),
            stop_reason="end_turn",
        ),
        ToolCompleted(turn_id=turn, tool_call_id="1", tool="search_knowledge", result={}, latency_ms=1),
        ToolFailed(
            turn_id=turn, tool_call_id="2", tool="search_knowledge", kind="transient", message="m", latency_ms=1
        ),
        MessageReceived(message_id="m", text="hi"),
        HumanAssigned(ticket_id="t", agent_id="h", agent_name="Alice", method="manual"),
        HumanReplied(ticket_id="t", message_id="m2", agent_id="h", agent_name="Alice", text="hello"),
        AgentReplied(turn_id=turn, message_id="m3", text="ok", provider="anthropic", model="claude-sonnet-4-5"),
        HandoffRequested(turn_id=new_id("turn"), reason="r", summary="s"),
        ConversationResolved(by="ai"),
    ]
    events = [at(payload, tenant, conv, now) for payload in payloads]
    assert {e.type for e in events} == BOOKED_TYPES
    announcing = set()
    for position, event in enumerate(events, start=1):  # each type's first booking: whatever it can announce
        if await book(MemoryLedger(), RecordedEvent(position, event)) != Booked():
            announcing.add(event.type)
    assert announcing == ANNOUNCING_TYPES
    [ledger] = subscriptions(cast(ServiceRuntime, None))
    assert ledger.gather_until == ANNOUNCING_TYPES - {"message.received"}  # a message waits for its turn (0061)
    assert 0 < ledger.gather_s < ledger.ack_wait_s / 4  # held unacknowledged meanwhile
