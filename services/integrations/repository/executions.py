"""Once-only tool execution: the claim on each tool call, and the journal of calls that left for a provider."""

from __future__ import annotations

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import tool_attempts, tool_executions

# Run for every tool call: built once, each call passing its values as parameters.
_CLAIM = insert(tool_executions).on_conflict_do_nothing().returning(tool_executions.c.tool_call_id)
_FINISH = (
    update(tool_executions)
    .where(tool_executions.c.tenant_id == bindparam("t"), tool_executions.c.tool_call_id == bindparam("call"))
    .values(status=bindparam("s"))
)


class ExecutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, tenant_id: str, tool_call_id: str, request_event_id: str, conversation_id: str, tool: str
    ) -> bool:
        """Record that this tool call is being executed; False if it already was (a redelivery)."""
        row = {
            "tenant_id": tenant_id,
            "tool_call_id": tool_call_id,
            "request_event_id": request_event_id,
            "conversation_id": conversation_id,
            "tool": tool,
            "status": "running",
        }
        return (await self.session.execute(_CLAIM, row)).first() is not None

    async def finish(self, tenant_id: str, tool_call_id: str, status: str) -> None:
        await self.session.execute(_FINISH, {"t": tenant_id, "call": tool_call_id, "s": status})

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
