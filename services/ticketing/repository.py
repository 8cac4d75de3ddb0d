"""Every SQL statement of the ticketing service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import tickets


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, **row: Any) -> bool:
        """Insert a ticket; False when its source event already produced one (redelivery)."""
        result = await self.session.execute(
            insert(tickets)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["source_event_id"])
            .returning(tickets.c.ticket_id)
        )
        return result.first() is not None

    async def list(self, tenant_id: str, status: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(tickets).where(tickets.c.tenant_id == tenant_id)
        if status:
            query = query.where(tickets.c.status == status)
        query = query.order_by(tickets.c.created_at.desc()).limit(limit)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def get(self, tenant_id: str, ticket_id: str) -> dict[str, Any] | None:
        row = (
            (
                await self.session.execute(
                    select(tickets).where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None
