"""The cost ledger on real PostgreSQL: exact prices, no double charge on redelivery, one usage record per turn."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from libs.events import Actor, AgentReplied, Envelope, EventLog, LlmCalled, RecordedEvent, ToolCompleted, new_id
from libs.pricing import llm_cost, tool_cost
from services.billing import service
from services.billing.booking import TurnUsage, book, money
from services.billing.rebuild import MemoryLedger
from services.billing.repository import LedgerRepository
from services.billing.tests.conftest import Service
from tests.support import database_work, outbox_events, provision_tenant

AI = Actor(kind="ai", id="agent")


def priced_call(tenant_id: str, conv: str, turn: str, input_tokens: int, output_tokens: int) -> Envelope:
    cost = llm_cost(
        "anthropic",
        "claude-sonnet-4-5",
        datetime.now(UTC).date(),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=1000,
    )
    return Envelope.new(
        LlmCalled(
            turn_id=turn,
            provider="anthropic",
            model="claude-sonnet-4-5",
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=1000,
            latency_ms=800,
            cost_usd=cost,
            stop_reason="tool_use",
        ),
        tenant_id=tenant_id,
        conversation_id=conv,
        actor=AI,
    )


async def test_costs_match_the_price_table_and_redelivery_never_double_charges(
    billing: Service, event_log: EventLog
) -> None:
    client, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    conv, turn = new_id("conv"), new_id("turn")
    first = priced_call(tenant.tenant_id, conv, turn, 1200, 80)
    second = priced_call(tenant.tenant_id, conv, turn, 1500, 40)
    tool = Envelope.new(
        ToolCompleted(turn_id=turn, tool_call_id="c1", tool="get_order_status", result={}, latency_ms=3),
        tenant_id=tenant.tenant_id,
        conversation_id=conv,
        actor=AI,
    )
    reply = Envelope.new(
        AgentReplied(turn_id=turn, message_id="m", text="done", provider="anthropic", model="claude-sonnet-4-5"),
        tenant_id=tenant.tenant_id,
        conversation_id=conv,
        actor=AI,
    )
    stream = [first, tool, second, reply]
    for attempt in range(2):  # the second pass is a full redelivery
        for position, event in enumerate(stream, start=1):
            async with runtime.unit_of_work() as uow:
                await service.apply(uow, RecordedEvent(position + 10 * attempt, event))

    # $3/MTok in, $15/MTok out, $0.30/MTok cache reads (claude-sonnet-4-5 from 2025-09-29)
    expected = (Decimal(3) * 2700 + Decimal(15) * 120 + Decimal("0.30") * 2000) / Decimal(1_000_000)
    assert expected == Decimal("0.0105")
    r = await client.get(
        f"/v1/billing/conversations/{conv}/cost", headers={"Authorization": f"Bearer {tenant.api_key}"}
    )
    assert r.status_code == 200
    body = r.json()
    assert Decimal(body["total_usd"]) == expected
    assert (body["llm_calls"], body["tool_calls"]) == (2, 1)
    usage = [e for e in await outbox_events(runtime, "usage.recorded") if e.conversation_id == conv]
    assert len(usage) == 1
    assert usage[0].payload.cost_usd == expected  # type: ignore[union-attr]


async def test_another_tenants_costs_are_not_visible(billing: Service, event_log: EventLog) -> None:
    client, runtime = billing
    owner = await provision_tenant(event_log, runtime)
    other = await provision_tenant(event_log, runtime)
    conv = new_id("conv")
    async with runtime.unit_of_work() as uow:
        await service.apply(uow, RecordedEvent(1, priced_call(owner.tenant_id, conv, "t", 10, 10)))
    r = await client.get(f"/v1/billing/conversations/{conv}/cost", headers={"Authorization": f"Bearer {other.api_key}"})
    assert r.status_code == 404


async def test_a_turn_closes_once_with_what_was_booked_before_its_close_in_memory_and_in_postgres_alike(
    billing: Service,
) -> None:
    """Closing a turn sums its entries and records the totals in one step: what was booked of the turn (of this
    tenant only) before its closing event, never an entry that came after, and a second close changes nothing."""
    _, runtime = billing
    tenant, other, conv, turn = new_id("ten"), new_id("ten"), new_id("conv"), new_id("turn")
    reply = AgentReplied(turn_id=turn, message_id="m", text="done", provider="anthropic", model="claude-sonnet-4-5")
    tool = ToolCompleted(turn_id=turn, tool_call_id="c1", tool="search_knowledge", result={}, latency_ms=3)
    events = [
        priced_call(tenant, conv, turn, 1200, 80),
        priced_call(other, conv, turn, 999, 999),  # the same turn id in another tenant: not this turn's
        Envelope.new(tool, tenant_id=tenant, conversation_id=conv, actor=AI),
        priced_call(tenant, conv, turn, 1500, 40),
        Envelope.new(reply, tenant_id=tenant, conversation_id=conv, actor=AI),
        priced_call(tenant, conv, turn, 7, 7),  # booked after the close: billed, not in the turn's usage
        Envelope.new(reply, tenant_id=tenant, conversation_id=conv, actor=AI),  # a second close (handoff, replay)
        Envelope.new(reply.model_copy(update={"turn_id": "empty"}), tenant_id=tenant, conversation_id=conv, actor=AI),
    ]
    memory = MemoryLedger()
    for position, event in enumerate(events, start=1):
        rebuilt = await book(memory, RecordedEvent(position, event))
        async with runtime.unit_of_work() as uow:
            live = await book(LedgerRepository(uow.session), RecordedEvent(position, event))
        assert live == rebuilt, event.type

    async with runtime.db.session() as session:
        stored = await LedgerRepository(session).snapshot(tenant)
    assert stored.turns == {key: usage for key, usage in memory.turns.items() if key[0] == tenant}
    day = datetime.now(UTC).date()
    expected = sum(
        (
            llm_cost("anthropic", "claude-sonnet-4-5", day, input_tokens=i, output_tokens=o, cache_read_tokens=1000)
            for i, o in ((1200, 80), (1500, 40))
        ),
        Decimal(0),
    ) + tool_cost("search_knowledge", day)
    assert stored.turns[(tenant, turn)] == TurnUsage(tenant, turn, conv, 2, 1, 2700, 120, expected)
    assert str(stored.turns[(tenant, turn)].cost_usd) == str(money(expected))  # the ledger's ten decimal places
    assert stored.turns[(tenant, "empty")] == TurnUsage(tenant, "empty", conv, 0, 0, 0, 0, Decimal(0))


async def test_a_batch_writes_its_ledger_rows_in_one_statement_and_books_each_event_once(billing: Service) -> None:
    """The live consumer books a batch in one unit of work: its entries go to the table in one INSERT (before the
    turn's close reads them), an event twice in the batch or booked before is booked once, and the result equals
    the rebuild's."""
    _, runtime = billing
    tenant, conv = new_id("ten"), new_id("conv")
    turns = [new_id("turn") for _ in range(3)]
    events: list[Envelope] = []
    for turn in turns:
        reply = AgentReplied(turn_id=turn, message_id="m", text="ok", provider="anthropic", model="claude-sonnet-4-5")
        tool = ToolCompleted(turn_id=turn, tool_call_id="c", tool="search_knowledge", result={}, latency_ms=1)
        events += [
            priced_call(tenant, conv, turn, 100, 10),
            Envelope.new(tool, tenant_id=tenant, conversation_id=conv, actor=AI),
            priced_call(tenant, conv, turn, 200, 20),
            Envelope.new(reply, tenant_id=tenant, conversation_id=conv, actor=AI),
        ]
    recorded = [RecordedEvent(position, event) for position, event in enumerate(events, start=1)]
    async with runtime.unit_of_work() as uow:  # the first turn's first call, booked before the batch
        await service.apply(uow, recorded[0])
    batch = [*recorded[:6], recorded[5], *recorded[6:]]  # and the second turn's call twice in the batch

    with database_work(runtime) as seen:
        async with runtime.unit_of_work() as uow:
            await service.apply_all(uow, batch)
    inserts = [s for s in seen if s.startswith("INSERT INTO billing.ledger_entries")]
    assert len(inserts) == len(turns)  # one per turn (its close reads them), not one per entry

    memory = MemoryLedger()
    for r in [recorded[0], *batch]:
        await book(memory, r)
    async with runtime.db.session() as session:
        live = await LedgerRepository(session).snapshot(tenant)
    assert live.differences(memory.snapshot()) == []
    assert len(live.entries) == 9
    assert [(u.llm_calls, u.tool_calls, u.input_tokens) for u in live.turns.values()] == [(2, 1, 300)] * 3
    usage = [e for e in await outbox_events(runtime, "usage.recorded") if e.conversation_id == conv]
    assert len(usage) == 3
