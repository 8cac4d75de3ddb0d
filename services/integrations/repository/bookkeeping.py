"""Once-only bookkeeping: events already handled, and forgetting what no redelivery can need any more."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import oauth_states, processed_events, tool_attempts


class BookkeepingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_processing(self, tenant_id: str, event_id: str) -> bool:
        """Mark an event handled; False if it already was (a redelivery after the commit)."""
        result = await self.session.execute(
            insert(processed_events)
            .values(tenant_id=tenant_id, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return result.first() is not None

    async def forget(self, before: datetime, limit: int = 5000) -> int:
        """Delete attempt-journal and processed-event rows older than ``before`` (redeliveries come within minutes)
        and OAuth states that expired; at most ``limit`` rows of each. Returns how many rows went."""
        gone = 0
        for table, column, cutoff in (
            (tool_attempts, tool_attempts.c.last_at, before),
            (processed_events, processed_events.c.processed_at, before),
            (oauth_states, oauth_states.c.expires_at, datetime.now(UTC)),
        ):
            pk = list(table.primary_key.columns)
            old = select(*pk).where(column < cutoff).limit(limit).subquery()
            result = await self.session.execute(delete(table).where(tuple_(*pk).in_(select(*old.c))))
            gone += int(getattr(result, "rowcount", 0) or 0)
        return gone
