"""Once-only tool execution: the claim on each tool call, and the journal of calls that left for a provider."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import connections, tool_attempts, tool_executions
from services.integrations.repository.connections import Connection

# Run for every tool call: built once, each call passing its values as parameters. The claim and the read of the
# tenant's connection to the tool's integration are one statement (one round trip); no row when already claimed.
_CLAIMED = (
    insert(tool_executions)
    .values(
        tenant_id=bindparam("t"), tool_call_id=bindparam("call"), request_event_id=bindparam("event"),
        conversation_id=bindparam("conversation"), tool=bindparam("tool"), status="running",
    )
    .on_conflict_do_nothing()
    .returning(tool_executions.c.tool_call_id)
    .cte("claimed")
)  # fmt: skip
_CLAIM = select(_CLAIMED.c.tool_call_id.label("claimed"), *connections.c).select_from(
    _CLAIMED.outerjoin(
        connections,
        and_(connections.c.tenant_id == bindparam("t"), connections.c.integration == bindparam("integration")),
    )
)


@dataclass(frozen=True)
class Claim:
    """A tool call claimed for execution here, and the tenant's connection to its integration (None: none)."""

    connection: Connection | None


class ExecutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self,
        tenant_id: str,
        tool_call_id: str,
        request_event_id: str,
        conversation_id: str,
        tool: str,
        integration: str | None = None,
    ) -> Claim | None:
        """Record that this tool call is being executed, reading the tenant's connection to ``integration`` (a
        built-in's) in the same statement; None if it already was (a redelivery). Its status is set with its audit
        line (:class:`AuditRepository`), in the same transaction: a claim is never seen running."""
        values = {
            "t": tenant_id,
            "call": tool_call_id,
            "event": request_event_id,
            "conversation": conversation_id,
            "tool": tool,
            "integration": integration,
        }
        row = (await self.session.execute(_CLAIM, values)).mappings().first()
        if row is None:
            return None
        return Claim(Connection.from_row(row) if row["integration"] is not None else None)

    async def record_attempt(self, tenant_id: str, tool_call_id: str) -> tuple[int, float]:
        """Count one more call leaving for a provider; returns how many attempts came before this one and how many
        seconds ago the first one was."""
        stmt = insert(tool_attempts).values(tenant_id=tenant_id, tool_call_id=tool_call_id, attempts=1)
        result = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[tool_attempts.c.tenant_id, tool_attempts.c.tool_call_id],
                set_={"attempts": tool_attempts.c.attempts + 1, "last_at": func.now()},
            ).returning(tool_attempts.c.attempts, func.extract("epoch", func.now() - tool_attempts.c.first_at))
        )
        attempts, age = result.one()
        return int(attempts) - 1, float(age)
