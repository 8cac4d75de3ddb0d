"""SQL of data-subject requests: a subject's audit lines and linked helpdesk tickets, exported or redacted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events.personal import ERASED, map_leaves
from services.integrations.models import audit_log, external_tickets
from services.integrations.repository.audit import AuditRecord


@dataclass(frozen=True)
class LinkedTicket:
    """A helpdesk ticket linked to a conversation."""

    provider: str
    external_id: str
    conversation_id: str | None
    subject: str | None
    status: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> LinkedTicket:
        return cls(row["provider"], row["external_id"], row["conversation_id"], row["subject"], row["status"])


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def audit_of(self, tenant_id: str, conversation_ids: Sequence[str]) -> list[AuditRecord]:
        query = (
            select(audit_log)
            .where(audit_log.c.tenant_id == tenant_id, audit_log.c.conversation_id.in_(list(conversation_ids)))
            .order_by(audit_log.c.id)
        )
        return [AuditRecord.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def tickets_of(self, tenant_id: str, conversation_ids: Sequence[str]) -> list[LinkedTicket]:
        query = select(external_tickets).where(
            external_tickets.c.tenant_id == tenant_id, external_tickets.c.conversation_id.in_(list(conversation_ids))
        )
        return [LinkedTicket.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def redact(self, tenant_id: str, conversation_ids: Sequence[str]) -> int:
        """The audit lines keep what the AI did (tool, status, time, the shape of request and response) with every
        string in them ``[erased]`` and no end user; linked tickets lose their subject. The audit log is otherwise
        append-only: this is its one legal exception."""
        ids = list(conversation_ids)
        rows = await self.session.execute(
            select(audit_log.c.id, audit_log.c.request, audit_log.c.response).where(
                audit_log.c.tenant_id == tenant_id, audit_log.c.conversation_id.in_(ids)
            )
        )
        touched = 0
        for line_id, request, response in rows.all():
            await self.session.execute(
                update(audit_log)
                .where(audit_log.c.id == line_id)
                .values(
                    end_user=None,
                    request=map_leaves(request, lambda _: ERASED),
                    response=map_leaves(response, lambda _: ERASED),
                )
            )
            touched += 1
        result = await self.session.execute(
            update(external_tickets)
            .where(external_tickets.c.tenant_id == tenant_id, external_tickets.c.conversation_id.in_(ids))
            .values(subject=None, own_comments=[])
        )
        return touched + (result.rowcount or 0)  # type: ignore[attr-defined]
