"""Every SQL statement of the agent service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import ToolSpec
from services.agent.models import tool_catalog


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
