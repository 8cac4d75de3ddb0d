"""The turn sweep's one query: conversations whose newest customer message may have no answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversation.models import conversations, transcript_entries


@dataclass(frozen=True)
class QuietConversation:
    """A conversation with the AI whose newest transcript line is the customer's, and nothing new since a while."""

    tenant_id: str
    conversation_id: str
    message_position: int
    updated_at: datetime | None = None

    @property
    def key(self) -> tuple[datetime, str, str] | None:
        """Where the next page of candidates starts (after this one), in the query's order."""
        return None if self.updated_at is None else (self.updated_at, self.tenant_id, self.conversation_id)


class TurnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def quiet_with_a_customer_last(
        self,
        quiet_since: datetime,
        not_before: datetime,
        limit: int = 200,
        tenant_id: str | None = None,
        after: tuple[datetime, str, str] | None = None,
    ) -> list[QuietConversation]:
        """Conversations with the AI (``with_ai``) whose last projected event is older than ``quiet_since`` (and
        newer than ``not_before``: older ones were looked at long ago) and whose newest transcript line is a
        customer's message: each one's message may have had no outcome. The log decides (``turn_sweep``).

        One page of ``limit``, oldest first, starting after the key ``after`` (a previous page's last): a caller
        pages through all of them, so candidates it cannot act on never hide the newer ones behind them."""
        c, t = conversations.c, transcript_entries.c
        newest = (
            select(t.role, t.position)
            .where(and_(t.tenant_id == c.tenant_id, t.conversation_id == c.conversation_id))
            .order_by(t.position.desc())
            .limit(1)
            .lateral("newest")
        )
        query = (
            select(c.tenant_id, c.conversation_id, newest.c.position, c.updated_at)
            .join(newest, newest.c.role == "customer")
            .where(c.status == "with_ai", c.updated_at < quiet_since, c.updated_at >= not_before)
            .order_by(c.updated_at, c.tenant_id, c.conversation_id)
            .limit(limit)
        )
        if tenant_id is not None:
            query = query.where(c.tenant_id == tenant_id)
        if after is not None:
            query = query.where(tuple_(c.updated_at, c.tenant_id, c.conversation_id) > tuple_(*after))
        rows = (await self.session.execute(query)).all()
        return [QuietConversation(r[0], r[1], int(r[2]), r[3]) for r in rows]
