"""Human agents (their keys only as digests) and the round-robin rotation: their SQL and rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import agents


@dataclass(frozen=True)
class AgentRow:
    """A human agent (its key only as a digest and a prefix)."""

    tenant_id: str
    agent_id: str
    name: str
    email: str | None
    role: Literal["owner", "admin", "agent"]
    team: str | None
    api_key_sha256: str
    api_key_prefix: str
    availability: Literal["available", "away"]
    active: bool
    last_assigned_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> AgentRow:
        return cls(
            tenant_id=row["tenant_id"],
            agent_id=row["agent_id"],
            name=row["name"],
            email=row["email"],
            role=row["role"],
            team=row["team"],
            api_key_sha256=row["api_key_sha256"],
            api_key_prefix=row["api_key_prefix"],
            availability=row["availability"],
            active=row["active"],
            last_assigned_at=row["last_assigned_at"],
            created_at=row["created_at"],
        )


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, **row: Any) -> AgentRow:
        result = await self.session.execute(agents.insert().values(**row).returning(*agents.c))
        return AgentRow.from_row(result.mappings().one())

    async def by_key_digest(self, digest: str) -> AgentRow | None:
        query = select(agents).where(agents.c.api_key_sha256 == digest, agents.c.active.is_(True))
        row = (await self.session.execute(query)).mappings().first()
        return AgentRow.from_row(row) if row else None

    async def get(self, tenant_id: str, agent_id: str) -> AgentRow | None:
        query = select(agents).where(agents.c.tenant_id == tenant_id, agents.c.agent_id == agent_id)
        row = (await self.session.execute(query)).mappings().first()
        return AgentRow.from_row(row) if row else None

    async def list(self, tenant_id: str) -> list[AgentRow]:
        query = select(agents).where(agents.c.tenant_id == tenant_id).order_by(agents.c.created_at, agents.c.agent_id)
        return [AgentRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def update(self, tenant_id: str, agent_id: str, **values: Any) -> AgentRow | None:
        result = await self.session.execute(
            update(agents)
            .where(agents.c.tenant_id == tenant_id, agents.c.agent_id == agent_id)
            .values(**values)
            .returning(*agents.c)
        )
        row = result.mappings().first()
        return AgentRow.from_row(row) if row else None

    async def next_in_rotation(self, tenant_id: str, team: str | None) -> AgentRow | None:
        """The available agent whose last round-robin assignment is oldest (never-assigned first), moved to the
        back of the rotation. Agents locked by a concurrent assignment are skipped, so two tickets assigned at
        the same moment go to different agents."""
        query = select(agents).where(
            agents.c.tenant_id == tenant_id, agents.c.active.is_(True), agents.c.availability == "available"
        )
        if team is not None:
            query = query.where(agents.c.team == team)
        query = (
            query.order_by(agents.c.last_assigned_at.asc().nulls_first(), agents.c.created_at, agents.c.agent_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = (await self.session.execute(query)).mappings().first()
        if row is None:
            return None
        return await self.update(tenant_id, row["agent_id"], last_assigned_at=func.clock_timestamp())
