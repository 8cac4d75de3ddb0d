"""Integrations' part in data-subject rights: what the AI did on the subject's behalf (the audit log) and their
linked helpdesk tickets, exported or redacted."""

from __future__ import annotations

from libs.platform.outbox import UnitOfWork
from libs.platform.privacy import ExportPart
from services.integrations.repository.privacy import PrivacyRepository


async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:
    if not conversation_ids:
        return 0
    return await PrivacyRepository(uow.session).redact(tenant_id, conversation_ids)


async def export(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> ExportPart:
    if not conversation_ids:
        return {"audit": [], "external_tickets": []}
    repo = PrivacyRepository(uow.session)
    audit = await repo.audit_of(tenant_id, conversation_ids)
    tickets = await repo.tickets_of(tenant_id, conversation_ids)
    return {
        "audit": [
            {
                "conversation_id": a.conversation_id,
                "end_user": a.end_user,
                "integration": a.integration,
                "tool": a.tool,
                "tool_call_id": a.tool_call_id,
                "request": a.request,
                "response": a.response,
                "status": a.status,
                "dry_run": a.dry_run,
                "at": a.at.isoformat() if a.at else None,
            }
            for a in audit
        ],
        "external_tickets": [
            {
                "provider": t.provider,
                "id": t.external_id,
                "conversation_id": t.conversation_id,
                "subject": t.subject,
                "status": t.status,
            }
            for t in tickets
        ],
    }
