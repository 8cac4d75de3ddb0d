"""The audit log: what the AI did through integrations, on behalf of whom. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import audit_log


@dataclass(frozen=True)
class AuditRecord:
    """One tool call's audit line (``at`` is set by the database)."""

    tenant_id: str
    conversation_id: str
    end_user: str | None
    integration: str
    tool: str
    tool_call_id: str
    request: dict[str, Any]
    response: dict[str, Any]
    status: str  # completed | failed
    dry_run: bool
    latency_ms: float
    at: datetime | None = None

    @classmethod
    def from_row(cls, row: RowMapping) -> AuditRecord:
        return cls(
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            end_user=row["end_user"],
            integration=row["integration"],
            tool=row["tool"],
            tool_call_id=row["tool_call_id"],
            request=row["request"],
            response=row["response"],
            status=row["status"],
            dry_run=row["dry_run"],
            latency_ms=row["latency_ms"],
            at=row["at"],
        )


@dataclass(frozen=True)
class AuditQuery:
    """Which audit lines to read: every criterion given must hold; ``since`` inclusive, ``until`` exclusive."""

    conversation_id: str | None = None
    end_user: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, entry: AuditRecord) -> None:
        row = {
            "tenant_id": entry.tenant_id,
            "conversation_id": entry.conversation_id,
            "end_user": entry.end_user,
            "integration": entry.integration,
            "tool": entry.tool,
            "tool_call_id": entry.tool_call_id,
            "request": entry.request,
            "response": entry.response,
            "status": entry.status,
            "dry_run": entry.dry_run,
            "latency_ms": entry.latency_ms,
        }
        await self.session.execute(_RECORD, row)  # built once (below): one per tool call

    async def entries(self, tenant_id: str, q: AuditQuery) -> list[AuditRecord]:
        """Newest first."""
        query = select(audit_log).where(audit_log.c.tenant_id == tenant_id)
        if q.conversation_id:
            query = query.where(audit_log.c.conversation_id == q.conversation_id)
        if q.end_user:
            query = query.where(audit_log.c.end_user == q.end_user)
        if q.since:
            query = query.where(audit_log.c.at >= q.since)
        if q.until:
            query = query.where(audit_log.c.at < q.until)
        query = query.order_by(audit_log.c.id.desc()).limit(q.limit)
        return [AuditRecord.from_row(r) for r in (await self.session.execute(query)).mappings()]


_RECORD = audit_log.insert()
