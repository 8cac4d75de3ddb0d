"""Every SQL statement of the agent service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import ToolSpec
from services.agent.models import open_turns, tenant_policies, tool_catalog
from services.agent.policy import AgentPolicy


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace(
        self, tenant_id: str, service: str, tools: list[dict[str, Any]], event_id: str, position: int
    ) -> None:
        """Store a service's catalog unless a newer one (by log position) is already stored."""
        stmt = insert(tool_catalog).values(
            tenant_id=tenant_id, service=service, tools=tools, source_event_id=event_id, source_position=position
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "service"],
                set_={
                    "tools": stmt.excluded.tools,
                    "source_event_id": stmt.excluded.source_event_id,
                    "source_position": stmt.excluded.source_position,
                    "updated_at": func.now(),
                },
                where=tool_catalog.c.source_position < stmt.excluded.source_position,
            )
        )

    async def tools(self, tenant_id: str) -> list[ToolSpec]:
        rows = await self.session.execute(
            select(tool_catalog.c.tools).where(tool_catalog.c.tenant_id == tenant_id).order_by(tool_catalog.c.service)
        )
        return [ToolSpec.model_validate(t) for tools in rows.scalars() for t in tools]


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str) -> AgentPolicy:
        """The tenant's policy, or the documented defaults."""
        stored = (
            await self.session.execute(select(tenant_policies.c.policy).where(tenant_policies.c.tenant_id == tenant_id))
        ).scalar_one_or_none()
        return AgentPolicy.model_validate(stored) if stored is not None else AgentPolicy()

    async def put(self, tenant_id: str, policy: AgentPolicy) -> None:
        stmt = insert(tenant_policies).values(tenant_id=tenant_id, policy=policy.model_dump(mode="json"))
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"], set_={"policy": stmt.excluded.policy, "updated_at": func.now()}
            )
        )


class TurnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opened(self, tenant_id: str, conversation_id: str, turn_id: str, deadline: datetime) -> None:
        stmt = insert(open_turns).values(
            tenant_id=tenant_id, conversation_id=conversation_id, turn_id=turn_id, deadline=deadline
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "conversation_id"],
                set_={"turn_id": stmt.excluded.turn_id, "deadline": stmt.excluded.deadline},
            )
        )

    async def closed(self, tenant_id: str, conversation_id: str) -> None:
        await self.session.execute(
            delete(open_turns).where(
                open_turns.c.tenant_id == tenant_id, open_turns.c.conversation_id == conversation_id
            )
        )

    async def due(self, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
        rows = await self.session.execute(
            select(open_turns.c.tenant_id, open_turns.c.conversation_id)
            .where(open_turns.c.deadline <= now)
            .order_by(open_turns.c.deadline)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]
