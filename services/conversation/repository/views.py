"""The conversation service's read model as a whole, for ``deskpilot projections rebuild``: every conversation's
projected state and every transcript line (of one tenant, or all), and writing a rebuilt one over it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.projection_repair import TableRows, lock_tables, replace_rows
from services.conversation.models import conversations, transcript_entries
from services.conversation.repository.conversations import ConversationRow, TranscriptEntry


class ViewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def conversations(self, tenant_id: str | None) -> list[ConversationRow]:
        query = select(conversations)
        if tenant_id is not None:
            query = query.where(conversations.c.tenant_id == tenant_id)
        return [ConversationRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def transcripts(self, tenant_id: str | None) -> list[tuple[str, str, TranscriptEntry]]:
        """``(tenant_id, conversation_id, line)`` for every stored transcript line."""
        query = select(transcript_entries)
        if tenant_id is not None:
            query = query.where(transcript_entries.c.tenant_id == tenant_id)
        rows = (await self.session.execute(query)).mappings()
        return [(r["tenant_id"], r["conversation_id"], TranscriptEntry.from_row(r)) for r in rows]

    async def lock(self) -> None:
        """Hold every write of the read model (the projection's and the requests') until the transaction ends."""
        await lock_tables(self.session, (conversations, transcript_entries))

    async def replace(self, rows: TableRows) -> int:
        """Write the rebuilt rows over the live ones (under :meth:`lock`); how many rows were written."""
        return await replace_rows(self.session, rows)
