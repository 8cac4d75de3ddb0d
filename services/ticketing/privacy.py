"""Ticketing's part in data-subject rights: the subject's tickets, notes and CSAT, exported or redacted."""

from __future__ import annotations

from typing import Any

from libs.platform.outbox import UnitOfWork
from libs.platform.privacy import ExportPart
from services.ticketing.repository import PrivacyRepository


async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:
    if not conversation_ids:
        return 0
    return await PrivacyRepository(uow.session).redact(tenant_id, conversation_ids)


async def export(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> ExportPart:
    repo = PrivacyRepository(uow.session)
    tickets = await repo.tickets_of(tenant_id, conversation_ids) if conversation_ids else []
    notes = await repo.notes_of(tenant_id, [t.ticket_id for t in tickets]) if tickets else []
    by_ticket: dict[str, list[dict[str, Any]]] = {}
    for note in notes:
        by_ticket.setdefault(note.ticket_id, []).append(
            {"id": note.note_id, "agent_id": note.agent_id, "text": note.text, "at": note.created_at.isoformat()}
        )
    return {
        "tickets": [
            {
                "id": t.ticket_id,
                "conversation_id": t.conversation_id,
                "subject": t.subject,
                "summary": t.summary,
                "status": t.status,
                "priority": t.priority,
                "created_at": t.created_at.isoformat(),
                "csat": {"score": t.csat_score, "comment": t.csat_comment} if t.csat_score is not None else None,
                "notes": by_ticket.get(t.ticket_id, []),
            }
            for t in tickets
        ]
    }
