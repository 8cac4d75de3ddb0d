"""SQL of agent releases: the releases, the draft's tool changes and gate policy, the rollout and its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.agent.models import agent_releases, release_actions, release_drafts, release_rollouts


@dataclass(frozen=True)
class ReleaseRow:
    number: int
    config: dict[str, Any]
    notes: str
    gate: dict[str, Any] | None
    published_by: str
    published_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ReleaseRow:
        return cls(
            number=row["number"],
            config=row["config"],
            notes=row["notes"],
            gate=row["gate"],
            published_by=row["published_by"],
            published_at=row["published_at"],
        )


@dataclass(frozen=True)
class RolloutRow:
    stable: int
    canary: int | None
    share: Decimal
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> RolloutRow:
        return cls(stable=row["stable"], canary=row["canary"], share=row["share"], updated_at=row["updated_at"])


@dataclass(frozen=True)
class DraftRow:
    tools: dict[str, Any] | None
    gate_policy: dict[str, Any] | None
    knowledge: dict[str, Any] | None = None


@dataclass(frozen=True)
class ActionRow:
    action: str
    release: int | None
    share: Decimal | None
    actor: str
    at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ActionRow:
        return cls(action=row["action"], release=row["release"], share=row["share"], actor=row["actor"], at=row["at"])


class ReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def releases(self, tenant_id: str) -> list[ReleaseRow]:
        query = select(agent_releases).where(agent_releases.c.tenant_id == tenant_id)
        rows = await self.session.execute(query.order_by(agent_releases.c.number.desc()))
        return [ReleaseRow.from_row(r) for r in rows.mappings()]

    async def release(self, tenant_id: str, number: int) -> ReleaseRow | None:
        query = select(agent_releases).where(agent_releases.c.tenant_id == tenant_id, agent_releases.c.number == number)
        row = (await self.session.execute(query)).mappings().first()
        return ReleaseRow.from_row(row) if row else None

    async def next_number(self, tenant_id: str) -> int:
        query = select(func.coalesce(func.max(agent_releases.c.number), 0)).where(
            agent_releases.c.tenant_id == tenant_id
        )
        return int((await self.session.execute(query)).scalar_one()) + 1

    async def create(
        self, tenant_id: str, number: int, config: dict[str, Any], notes: str, gate: dict[str, Any], by: str
    ) -> ReleaseRow | None:
        """The new release, or None when another publish took ``number`` first."""
        stmt = (
            insert(agent_releases)
            .values(tenant_id=tenant_id, number=number, config=config, notes=notes, gate=gate, published_by=by)
            .on_conflict_do_nothing(index_elements=["tenant_id", "number"])
            .returning(agent_releases)
        )
        row = (await self.session.execute(stmt)).mappings().first()
        return ReleaseRow.from_row(row) if row else None

    async def draft(self, tenant_id: str) -> DraftRow:
        query = select(release_drafts).where(release_drafts.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return DraftRow(row["tools"], row["gate_policy"], row["knowledge"]) if row else DraftRow(None, None)

    async def put_draft(self, tenant_id: str, **values: dict[str, Any]) -> None:
        """Set the draft's ``tools``, ``gate_policy`` and/or ``knowledge``."""
        stmt = insert(release_drafts).values(tenant_id=tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["tenant_id"], set_={**values, "updated_at": func.now()})
        )

    async def rollout(self, tenant_id: str) -> RolloutRow | None:
        query = select(release_rollouts).where(release_rollouts.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return RolloutRow.from_row(row) if row else None

    async def set_rollout(self, tenant_id: str, stable: int, canary: int | None, share: Decimal) -> None:
        stmt = insert(release_rollouts).values(tenant_id=tenant_id, stable=stable, canary=canary, share=share)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"],
                set_={"stable": stable, "canary": canary, "share": share, "updated_at": func.now()},
            )
        )

    async def record(self, tenant_id: str, action: str, release: int | None, share: Decimal | None, by: str) -> None:
        await self.session.execute(
            release_actions.insert().values(tenant_id=tenant_id, action=action, release=release, share=share, actor=by)
        )

    async def actions(self, tenant_id: str, limit: int = 100) -> list[ActionRow]:
        query = select(release_actions).where(release_actions.c.tenant_id == tenant_id)
        rows = await self.session.execute(query.order_by(release_actions.c.id.desc()).limit(limit))
        return [ActionRow.from_row(r) for r in rows.mappings()]
