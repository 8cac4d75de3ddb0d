"""Every SQL statement of the conversation service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversation.models import conversations, quota_states, transcript_entries


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, conversation_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(conversations).where(
            conversations.c.tenant_id == tenant_id, conversations.c.conversation_id == conversation_id
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def list_for_tenant(self, tenant_id: str, limit: int, status: str | None) -> list[dict[str, Any]]:
        query = select(conversations).where(conversations.c.tenant_id == tenant_id)
        if status:
            query = query.where(conversations.c.status == status)
        query = query.order_by(conversations.c.created_at.desc()).limit(limit)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def create(
        self, tenant_id: str, conversation_id: str, channel: str, customer_id: str | None, at: datetime
    ) -> None:
        await self.session.execute(
            insert(conversations)
            .values(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                channel=channel,
                customer_id=customer_id,
                status="open",
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing()
        )

    async def advance(self, tenant_id: str, conversation_id: str, position: int, status: str, at: datetime) -> None:
        await self.session.execute(
            update(conversations)
            .where(conversations.c.tenant_id == tenant_id, conversations.c.conversation_id == conversation_id)
            .values(
                last_position=position,
                status=status,
                updated_at=at,
                event_count=conversations.c.event_count + 1,
            )
        )

    async def add_entry(
        self, tenant_id: str, conversation_id: str, position: int, event_id: str, role: str, text: str, at: datetime
    ) -> None:
        await self.session.execute(
            insert(transcript_entries)
            .values(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                position=position,
                event_id=event_id,
                role=role,
                text=text,
                at=at,
            )
            .on_conflict_do_nothing()
        )

    async def transcript(self, tenant_id: str, conversation_id: str) -> list[dict[str, Any]]:
        query = (
            select(transcript_entries)
            .where(
                transcript_entries.c.tenant_id == tenant_id,
                transcript_entries.c.conversation_id == conversation_id,
            )
            .order_by(transcript_entries.c.position)
        )
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def record_quota_state(self, tenant_id: str, position: int, **state: Any) -> None:
        """Keep the newest announced state (by log position); an older one arriving late changes nothing."""
        stmt = insert(quota_states).values(tenant_id=tenant_id, position=position, **state)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"],
                set_={**{k: stmt.excluded[k] for k in state}, "position": stmt.excluded.position},
                where=quota_states.c.position < stmt.excluded.position,
            )
        )

    async def quota_state(self, tenant_id: str) -> dict[str, Any] | None:
        row = (
            (await self.session.execute(select(quota_states).where(quota_states.c.tenant_id == tenant_id)))
            .mappings()
            .first()
        )
        return dict(row) if row else None
