"""Figures per release, projected from the log: each conversation under a release (its first turn's), what its
model calls cost, whether it went to a person, how it was resolved and rated."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import (
    AgentTurnStarted,
    ConversationResolved,
    CsatRecorded,
    HandoffRequested,
    LlmCalled,
    Money,
    RecordedEvent,
)
from services.agent.models import release_conversations
from services.agent.repository import FigureRepository, ReleaseFigureRow

FIGURE_TYPES = ("agent.turn_started", "llm.called", "handoff.requested", "conversation.resolved", "csat.recorded")


def counted(recorded: RecordedEvent) -> bool:
    """Whether the event can change any figures. A model call says which release its conversation runs under, so
    one under none needs no statement (one recorded before v3 said so, "unknown", is applied as any other change:
    it matches no row unless its conversation is under a release)."""
    payload = recorded.event.payload
    return not (isinstance(payload, LlmCalled) and payload.release is None)


async def project(session: AsyncSession, recorded: RecordedEvent) -> None:
    """One event into its conversation's figures (a conversation under no release has none)."""
    event, payload, position = recorded.event, recorded.event.payload, recorded.position
    assert event.conversation_id is not None
    repo, where = FigureRepository(session), (event.tenant_id, event.conversation_id, position)
    c = release_conversations.c
    match payload:
        case AgentTurnStarted(release=int(release)):
            await repo.started(event.tenant_id, event.conversation_id, release, position)
        case LlmCalled(cost_usd=cost):
            await repo.change(*where, cost_usd=c.cost_usd + cost)
        case HandoffRequested():
            await repo.change(*where, handed_off=True)
        case ConversationResolved(by=by):
            await repo.change(*where, resolved_by=by)
        case CsatRecorded(score=score):
            await repo.change(*where, csat=score)


class ReleaseFigures(BaseModel):
    """What a release's conversations came to, so releases can be compared side by side."""

    conversations: int
    # Money: written as a plain decimal ("0.000000", never "0E-8"), as the contract's pattern says
    cost_usd: Money = Field(description="model calls of its conversations, exact dollars")
    cost_per_conversation_usd: Money
    resolved_pct: float = Field(description="% of its conversations resolved (by the AI or a person)")
    ai_resolved_pct: float = Field(description="% resolved by the AI alone")
    handoff_pct: float = Field(description="% handed to a person")
    csat: float | None = Field(description="mean customer rating (1-5) of its rated conversations")
    rated: int


def figures_of(row: ReleaseFigureRow) -> ReleaseFigures:
    n = row.conversations or 1
    return ReleaseFigures(
        conversations=row.conversations,
        cost_usd=row.cost_usd,
        cost_per_conversation_usd=(Decimal(row.cost_usd) / n).quantize(Decimal("0.000001")),
        resolved_pct=round(100 * row.resolved / n, 1),
        ai_resolved_pct=round(100 * row.resolved_by_ai / n, 1),
        handoff_pct=round(100 * row.handed_off / n, 1),
        csat=round(row.csat_sum / row.rated, 2) if row.rated else None,
        rated=row.rated,
    )
