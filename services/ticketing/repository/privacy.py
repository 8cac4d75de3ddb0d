"""SQL of data-subject requests: a subject's tickets and notes, exported or redacted."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import ticket_notes, tickets
from services.ticketing.repository.tickets import NoteRow, TicketRow

ERASED = "[erased]"


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tickets_of(self, tenant_id: str, conversation_ids: Sequence[str]) -> list[TicketRow]:
        query = (
            select(tickets)
            .where(tickets.c.tenant_id == tenant_id, tickets.c.conversation_id.in_(list(conversation_ids)))
            .order_by(tickets.c.created_at)
        )
        return [TicketRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def notes_of(self, tenant_id: str, ticket_ids: Sequence[str]) -> list[NoteRow]:
        query = (
            select(ticket_notes)
            .where(ticket_notes.c.tenant_id == tenant_id, ticket_notes.c.ticket_id.in_(list(ticket_ids)))
            .order_by(ticket_notes.c.created_at)
        )
        return [NoteRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def redact(self, tenant_id: str, conversation_ids: Sequence[str]) -> int:
        """The tickets' subject, summary and CSAT comment, and their notes' text, become ``[erased]``; scores,
        times and assignment stay (SLA and CSAT statistics hold no personal data)."""
        of_conversations = select(tickets.c.ticket_id).where(
            tickets.c.tenant_id == tenant_id, tickets.c.conversation_id.in_(list(conversation_ids))
        )
        notes = await self.session.execute(
            update(ticket_notes)
            .where(ticket_notes.c.tenant_id == tenant_id, ticket_notes.c.ticket_id.in_(of_conversations))
            .values(text=ERASED)
        )
        redacted = await self.session.execute(
            update(tickets)
            .where(tickets.c.tenant_id == tenant_id, tickets.c.conversation_id.in_(list(conversation_ids)))
            .values(
                subject=ERASED,
                summary=ERASED,
                csat_comment=case((tickets.c.csat_comment.is_(None), None), else_=ERASED),
            )
        )
        return (notes.rowcount or 0) + (redacted.rowcount or 0)  # type: ignore[attr-defined]
