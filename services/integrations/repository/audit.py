"""The audit log: what the AI did through integrations, on behalf of whom. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import audit_log, tool_executions


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
        """One executed call's audit line; the same statement gives the call's claim its status (below)."""
        await self.session.execute(_RECORD, {f"line_{name}": getattr(entry, name) for name in _LINE})

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


_LINE = ("tenant_id", "conversation_id", "end_user", "integration", "tool", "tool_call_id", "request", "response",
         "status", "dry_run", "latency_ms")  # fmt: skip
# One per tool call, one round trip: the audit line, and its status on the call's claim (``tool_executions``, set
# "running" by the claim earlier in the same transaction). PostgreSQL runs a data-modifying WITH whether read or not.
_FINISHED = (
    update(tool_executions)
    .where(
        tool_executions.c.tenant_id == bindparam("line_tenant_id"),
        tool_executions.c.tool_call_id == bindparam("line_tool_call_id"),
    )
    .values(status=bindparam("line_status"))
    .cte("finished")
)
_RECORD = (
    audit_log.insert()
    .values({name: bindparam(f"line_{name}", type_=audit_log.c[name].type) for name in _LINE})
    .add_cte(_FINISHED)
)
