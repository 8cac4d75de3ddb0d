"""Billing domain logic: book every model and tool call in the ledger once, and close each turn with its usage."""

from __future__ import annotations

from decimal import Decimal

from libs.events import (
    Actor,
    AgentReplied,
    Envelope,
    HandoffRequested,
    LlmCalled,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    UsageRecorded,
)
from libs.platform.outbox import UnitOfWork
from services.billing.repository import LedgerRepository

ACTOR = Actor(kind="system", id="billing")
# Tool calls carry no price of their own yet; per-tool prices arrive with the price table's tool entries.
TOOL_CALL_COST = Decimal(0)


async def book(uow: UnitOfWork, recorded: RecordedEvent) -> None:
    """Apply one conversation event to the ledger (idempotent on the event id)."""
    event, payload = recorded.event, recorded.event.payload
    assert event.conversation_id is not None
    repo = LedgerRepository(uow.session)
    common = {
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "conversation_id": event.conversation_id,
        "position": recorded.position,
        "occurred_at": event.occurred_at,
    }
    match payload:
        case LlmCalled():
            await repo.add_entry(
                **common,
                turn_id=payload.turn_id,
                kind="llm",
                provider=payload.provider,
                model=payload.model,
                input_tokens=payload.input_tokens,
                output_tokens=payload.output_tokens,
                cache_read_tokens=payload.cache_read_tokens,
                cache_write_tokens=payload.cache_write_tokens,
                cost_usd=payload.cost_usd,
            )
        case ToolCompleted() | ToolFailed():
            await repo.add_entry(
                **common,
                turn_id=payload.turn_id,
                kind="tool",
                tool=payload.tool,
                cost_usd=TOOL_CALL_COST,
            )
        case AgentReplied() | HandoffRequested():
            totals = await repo.turn_totals(event.tenant_id, payload.turn_id)
            if await repo.close_turn(event.tenant_id, payload.turn_id, event.conversation_id, totals["cost_usd"]):
                uow.emit(
                    Envelope.new(
                        UsageRecorded(turn_id=payload.turn_id, **totals),
                        tenant_id=event.tenant_id,
                        conversation_id=event.conversation_id,
                        actor=ACTOR,
                        caused_by=event,
                    )
                )
        case _:
            pass
