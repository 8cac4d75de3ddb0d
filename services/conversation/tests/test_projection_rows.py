"""What the projection stores, exactly: a conversation's row and transcript after a whole turn and its aftermath,
projected event by event, in one batch, and in overlapping redelivered batches, on real PostgreSQL and in the
rebuild's memory (the same rule must give the same rows)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import get_args

import pytest
from sqlalchemy import text

from libs.events import (
    SYSTEM,
    Actor,
    AgentReplied,
    AgentTurnStarted,
    ConversationHandedBack,
    ConversationResolved,
    ConversationStarted,
    Envelope,
    EventLog,
    HandoffRequested,
    HumanAssigned,
    HumanReplied,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolRequested,
    UsageRecorded,
    new_id,
)
from libs.events.catalog import AnyEvent
from libs.platform.runtime import ServiceRuntime
from services.conversation import handlers, privacy, service
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.rebuild import MemoryViews
from services.conversation.repository import ConversationRepository
from tests.support import eventually, provision_tenant, running

Stored = tuple[str, int, int, datetime, datetime, list[tuple[int, str, str, str, datetime]]]
"""A conversation's status, last position, event count, updated and created times, and its transcript lines."""
CUSTOMER = Actor(kind="customer", id="c")
AI = Actor(kind="ai", id="agent")
HUMAN = Actor(kind="human", id="h1")


@pytest.fixture(scope="module")
async def runtime(nats_url: str, database_url: str) -> AsyncIterator[ServiceRuntime]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as (_, svc):
        yield svc


def a_conversation(tenant_id: str) -> list[RecordedEvent]:
    """A turn with a tool call, usage, a handoff, a human's answer, a resolution, and a customer who writes again.
    Positions are made up and the events are not on the log, so nothing else projects them meanwhile."""
    conv = new_id("conv")
    cost, turn = Decimal("0.001"), "turn-1"

    def called(stop_reason: str) -> LlmCalled:
        return LlmCalled(
            turn_id=turn,
            provider="p",
            model="m",
            input_tokens=1,
            output_tokens=1,
            latency_ms=1,
            cost_usd=cost,
            stop_reason=stop_reason,
        )

    payloads = [
        (CUSTOMER, ConversationStarted(channel="web", customer_id="ada")),
        (CUSTOMER, MessageReceived(message_id="m1", text="where is my order?")),
        (AI, AgentTurnStarted(turn_id=turn, trigger_event_id="e", provider="p", model="m")),
        (AI, called("tool_use")),
        (
            AI,
            ToolRequested(
                turn_id=turn,
                tool_call_id="tc",
                idempotency_key="k",
                tool="order_status",
                service="integrations",
                arguments={"order": "1001"},
            ),
        ),
        (SYSTEM, ToolCompleted(turn_id=turn, tool_call_id="tc", tool="order_status", result={}, latency_ms=1)),
        (AI, called("end_turn")),
        (AI, AgentReplied(turn_id=turn, message_id="m2", text="it ships today", provider="p", model="m")),
        (
            SYSTEM,
            UsageRecorded(turn_id=turn, llm_calls=2, tool_calls=1, input_tokens=2, output_tokens=2, cost_usd=cost),
        ),
        (AI, HandoffRequested(turn_id=turn, reason="asked for a person", summary="order")),
        (SYSTEM, HumanAssigned(ticket_id="t", agent_id="h1", agent_name="Alice", method="round_robin")),
        (HUMAN, HumanReplied(ticket_id="t", message_id="m3", agent_id="h1", agent_name="Alice", text="done")),
        (HUMAN, ConversationHandedBack(ticket_id="t", agent_id="h1")),
        (SYSTEM, ConversationResolved(by="human")),
        (CUSTOMER, MessageReceived(message_id="m4", text="one more thing")),
    ]
    return [
        RecordedEvent(10 + i, Envelope.new(payload, tenant_id=tenant_id, conversation_id=conv, actor=actor))
        for i, (actor, payload) in enumerate(payloads)
    ]


async def project_in_batches(runtime: ServiceRuntime, batches: Sequence[Sequence[RecordedEvent]]) -> None:
    for batch in batches:
        async with runtime.unit_of_work() as uow:
            await service.project_batch(ConversationRepository(uow.session), list(batch))


async def stored(runtime: ServiceRuntime, events: Sequence[RecordedEvent]) -> Stored:
    tenant_id, conv = events[0].event.tenant_id, events[0].event.conversation_id
    assert conv is not None
    async with runtime.db.session() as session:
        repo = ConversationRepository(session)
        row, transcript = await repo.get(tenant_id, conv), await repo.transcript(tenant_id, conv)
    assert row is not None
    lines = [(e.position, e.event_id, e.role, e.text, e.at) for e in transcript]
    return row.status, row.last_position, row.event_count, row.updated_at, row.created_at, lines


async def test_a_conversation_is_stored_the_same_however_its_events_arrive(
    runtime: ServiceRuntime, event_log: EventLog
) -> None:
    tenant_id = (await provision_tenant(event_log, runtime)).tenant_id
    one_by_one, at_once, redelivered = (a_conversation(tenant_id) for _ in range(3))
    await project_in_batches(runtime, [[recorded] for recorded in one_by_one])
    for recorded in one_by_one[3:7]:  # redelivered one at a time: no-ops
        async with runtime.unit_of_work() as uow:
            await service.project(ConversationRepository(uow.session), recorded)
    await project_in_batches(runtime, [at_once])
    r = redelivered
    await project_in_batches(runtime, [r[:4], [r[5], r[4], r[5]], r[2:9], r[9:], r[:1], r[7:12]])

    events = one_by_one
    expected_lines = [
        (10 + i, e.event.id, role, text, e.event.occurred_at)
        for i, e, role, text in [
            (1, events[1], "customer", "where is my order?"),
            (7, events[7], "ai", "it ships today"),
            (9, events[9], "system", "Handed over to a human: asked for a person"),
            (10, events[10], "system", "Alice joined the conversation"),
            (11, events[11], "human", "done"),
            (12, events[12], "system", "Handed back to the AI assistant"),
            (13, events[13], "system", "Resolved by a human"),
            (14, events[14], "customer", "one more thing"),
        ]
    ]
    assert await stored(runtime, one_by_one) == (
        "with_ai",  # resolved, then reopened by the customer
        24,
        15,
        max(e.event.occurred_at for e in events),
        events[0].event.occurred_at,
        expected_lines,
    )
    for other in (at_once, redelivered):
        status, last, count, updated, created, lines = await stored(runtime, other)
        assert (status, last, count, updated, created) == (
            "with_ai",
            24,
            15,
            max(e.event.occurred_at for e in other),
            other[0].event.occurred_at,
        )
        assert [line[2:4] for line in lines] == [line[2:4] for line in expected_lines]

    views = MemoryViews()  # the rebuild applies the same rule in memory
    await service.project_batch(views, r[:4])
    await service.project_batch(views, r[2:])
    row = views.conversations[(tenant_id, r[0].event.conversation_id or "")]
    assert (row.status, row.last_position, row.event_count) == ("with_ai", 24, 15)


async def test_a_late_event_adds_its_line_but_moves_nothing_back(runtime: ServiceRuntime, event_log: EventLog) -> None:
    tenant_id = (await provision_tenant(event_log, runtime)).tenant_id
    events = a_conversation(tenant_id)
    late = events[9]  # the handoff, projected after everything else
    await project_in_batches(runtime, [[e] for e in events if e is not late])
    await project_in_batches(runtime, [[late]])
    status, last, count, *_, lines = await stored(runtime, events)
    assert (status, last, count) == ("with_ai", 24, 14)
    assert [line[0] for line in lines] == [11, 17, 19, 20, 21, 22, 23, 24]


async def waiting_for_a_lock(runtime: ServiceRuntime) -> bool:
    """Whether a session of the service's database waits for a lock (the batch behind the row's holder)."""
    async with runtime.db.session() as session:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return bool((await session.execute(text(query))).scalar_one())


def test_the_fold_of_a_run_is_the_fold_of_its_events_from_every_status() -> None:
    events = a_conversation("t")
    for start in range(len(events)):
        for end in range(start + 1, len(events) + 1):
            run = events[start:end]
            advance = service.advance_for(run)
            assert (advance.first, advance.last, advance.events) == (run[0].position, run[-1].position, len(run))
            for before in service.STATUSES:
                status = before
                for recorded in run:
                    status = service.next_status(status, recorded.event)
                    assert status in service.STATUSES  # no status the store's mapping would not know
                assert advance.statuses[before] == status


async def test_a_late_line_waits_for_the_rows_lock_like_every_writer(
    runtime: ServiceRuntime, event_log: EventLog
) -> None:
    """Every writer of a conversation locks its row before adding lines: a projection that finds some of its events
    projected already must not add their lines first and then wait for the row (a deadlock with a writer that holds
    the row and adds one of those lines)."""
    tenant_id = (await provision_tenant(event_log, runtime)).tenant_id
    events = a_conversation(tenant_id)
    conv = events[0].event.conversation_id or ""
    late, handoff = events[7], events[9]  # the reply's line is missing; the handoff comes next
    await project_in_batches(runtime, [[e] for e in events[:9] if e is not late])
    async with runtime.unit_of_work() as holder:  # a writer holding the row, e.g. a request projecting a message
        repo = ConversationRepository(holder.session)
        assert await repo.get(tenant_id, conv, for_update=True) is not None
        behind = asyncio.create_task(project_in_batches(runtime, [[late, handoff]]))
        await eventually(lambda: waiting_for_a_lock(runtime), timeout=30, what="the batch waiting for the row")
        assert await repo.apply(tenant_id, conv, service.advance_for([handoff]), service.rebuild_transcript([handoff]))
    await asyncio.wait_for(behind, 30)
    status, last, count, *_, lines = await stored(runtime, events)
    assert (status, last, count) == ("waiting_human", 19, 9)
    assert [line[0] for line in lines] == [11, 17, 19]


async def test_only_events_that_change_nothing_a_reader_sees_but_the_position_wait_to_be_projected(
    runtime: ServiceRuntime,
) -> None:
    """The projection consumer gathers (``gather_s``) every event but those of ``SHOWN_TYPES`` (and a turn's last,
    ``usage.recorded``, which ends the wait without changing more): each other type of the catalog leaves every
    status as it is and adds no transcript line, so only the position, count and update time of a conversation wait
    (well within the ack wait)."""
    union = get_args(AnyEvent)[0]
    types = {cls.model_fields["type"].default: cls for cls in get_args(union)}
    assert types.keys() >= service.SHOWN_TYPES
    for event_type, cls in types.items():
        if event_type in service.SHOWN_TYPES:
            continue
        payload = cls.model_construct(**{name: "x" for name in cls.model_fields if name != "type"})
        event = Envelope.model_construct(
            id="e",
            schema_version=1,
            type=event_type,
            tenant_id="t",
            occurred_at=datetime.now(UTC),
            correlation_id="c",
            actor=SYSTEM,
            payload=payload,
        )
        assert service.entry_for(RecordedEvent(1, event)) is None, event_type
        assert [service.next_status(s, event) for s in service.STATUSES] == list(service.STATUSES), event_type
    [projection] = [sub for sub in runtime.subscriptions if sub.name == "projection"]
    # what a reader sees and a turn's last event, but not the two a turn begins with (0061)
    assert projection.gather_until == service.SHOWN_TYPES - {"message.received", "agent.turn_started"} | {
        handlers.TURN_CLOSED
    }
    assert 0 < projection.gather_s < projection.ack_wait_s / 4


async def test_an_erasure_takes_the_rows_lock_before_its_lines_like_every_writer(
    runtime: ServiceRuntime, event_log: EventLog
) -> None:
    """An erasure's redaction locks the conversation's row before it deletes the lines, as the projection and the
    requests do: a redaction that deleted the lines first and then waited for the row held them against a writer
    holding the row and adding a line again (a deadlock, one of them aborted after PostgreSQL's deadlock timeout)."""
    tenant_id = (await provision_tenant(event_log, runtime)).tenant_id
    events = a_conversation(tenant_id)
    conv = events[0].event.conversation_id or ""
    await project_in_batches(runtime, [events])
    lines = len((await stored(runtime, events))[-1])

    async def erase() -> int:
        async with runtime.unit_of_work() as uow:
            return await privacy.redact(event_log, uow, tenant_id, (conv,))

    async with runtime.unit_of_work() as holder:  # a writer holding the row, e.g. the projection adding a line
        assert await ConversationRepository(holder.session).get(tenant_id, conv, for_update=True) is not None
        erasing = asyncio.create_task(erase())
        await eventually(lambda: waiting_for_a_lock(runtime), timeout=30, what="the erasure waiting for the row")
        # NOWAIT: fails at once (lock not available) if the erasure holds a line while it waits
        query = "SELECT position FROM conversation.transcript_entries WHERE conversation_id = :c FOR UPDATE NOWAIT"
        assert len((await holder.session.execute(text(query), {"c": conv})).all()) == lines
    assert await asyncio.wait_for(erasing, 30) > 0
