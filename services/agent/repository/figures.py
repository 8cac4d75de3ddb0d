"""SQL of the per-release figures: one row per conversation under a release, summed per release."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, RowMapping, case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.agent.models import release_conversations as rc


@dataclass(frozen=True)
class ReleaseFigureRow:
    release: int
    conversations: int
    cost_usd: Decimal
    turns: int
    handed_off: int
    resolved: int
    resolved_by_ai: int
    rated: int
    csat_sum: int

    @classmethod
    def from_row(cls, row: RowMapping) -> ReleaseFigureRow:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


class FigureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def started(self, tenant_id: str, conversation_id: str, release: int, position: int) -> None:
        """A turn under ``release`` (the conversation keeps its first release; a redelivered event counts once)."""
        stmt = insert(rc).values(
            tenant_id=tenant_id, conversation_id=conversation_id, release=release, turns=1, position=position
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "conversation_id"],
                set_={"turns": rc.c.turns + 1, "position": position},
                where=rc.c.position < position,
            )
        )

    async def change(self, tenant_id: str, conversation_id: str, position: int, **values: Any) -> None:
        """Apply an event's change to a conversation under a release, once (by log position)."""
        await self.session.execute(
            update(rc)
            .where(rc.c.tenant_id == tenant_id, rc.c.conversation_id == conversation_id, rc.c.position < position)
            .values(position=position, **values)
        )

    async def figures(self, tenant_id: str) -> list[ReleaseFigureRow]:
        one = func.count()
        query = (
            select(
                rc.c.release,
                one.label("conversations"),
                func.coalesce(func.sum(rc.c.cost_usd), 0).label("cost_usd"),
                func.coalesce(func.sum(rc.c.turns), 0).label("turns"),
                func.coalesce(func.sum(case((rc.c.handed_off, 1), else_=0)), 0).label("handed_off"),
                func.count(rc.c.resolved_by).label("resolved"),
                func.coalesce(func.sum(case((rc.c.resolved_by == "ai", 1), else_=0)), 0).label("resolved_by_ai"),
                func.count(rc.c.csat).label("rated"),
                func.coalesce(func.sum(rc.c.csat), 0).cast(Integer).label("csat_sum"),
            )
            .where(rc.c.tenant_id == tenant_id)
            .group_by(rc.c.release)
        )
        return [ReleaseFigureRow.from_row(r) for r in (await self.session.execute(query)).mappings()]
