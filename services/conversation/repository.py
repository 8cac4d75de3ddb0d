"""Every SQL statement of the conversation service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.conversation.models import (
    chat_sessions,
    conversations,
    email_addresses,
    email_conversations,
    email_messages,
    quota_states,
    transcript_entries,
    widget_keys,
)


async def add_widget_key_revocation(conn: AsyncConnection) -> None:
    """Schema v2: the columns v1's ``widget_keys`` lacked (a fresh database has them from v1's create_all)."""
    for column in ("key_prefix VARCHAR(16)", "revoked_at TIMESTAMP WITH TIME ZONE"):
        await conn.execute(text(f"ALTER TABLE conversation.widget_keys ADD COLUMN IF NOT EXISTS {column}"))


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

    async def list_for_tenant(
        self, tenant_id: str, limit: int, status: str | None, customer_id: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(conversations).where(conversations.c.tenant_id == tenant_id)
        if status:
            query = query.where(conversations.c.status == status)
        if customer_id:
            query = query.where(conversations.c.customer_id == customer_id)
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

    async def add_widget_key(
        self, tenant_id: str, key_id: str, key_sha256: str, key_prefix: str, allowed_origins: list[str]
    ) -> dict[str, Any]:
        result = await self.session.execute(
            insert(widget_keys)
            .values(
                tenant_id=tenant_id,
                key_id=key_id,
                key_sha256=key_sha256,
                key_prefix=key_prefix,
                allowed_origins=allowed_origins,
            )
            .returning(widget_keys.c.created_at)
        )
        return {"created_at": result.scalar_one()}

    async def widget_keys(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's widget keys, newest first, without their digests."""
        c = widget_keys.c
        query = (
            select(c.key_id, c.key_prefix, c.allowed_origins, c.created_at, c.revoked_at)
            .where(c.tenant_id == tenant_id)
            .order_by(c.created_at.desc(), c.key_id)
        )
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def revoke_widget_key(self, tenant_id: str, key_id: str) -> datetime | None:
        """When the key was revoked (now, or earlier if it already was); None if the tenant has no such key."""
        c = widget_keys.c
        result = await self.session.execute(
            update(widget_keys)
            .where(c.tenant_id == tenant_id, c.key_id == key_id)
            .values(revoked_at=func.coalesce(c.revoked_at, func.now()))
            .returning(c.revoked_at)
        )
        revoked_at: datetime | None = result.scalar_one_or_none()
        return revoked_at

    async def widget_key(self, key_sha256: str) -> dict[str, Any] | None:
        query = select(widget_keys).where(widget_keys.c.key_sha256 == key_sha256)
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def widget_key_by_id(self, tenant_id: str, key_id: str) -> dict[str, Any] | None:
        query = select(widget_keys).where(widget_keys.c.tenant_id == tenant_id, widget_keys.c.key_id == key_id)
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def add_chat_session(self, tenant_id: str, conversation_id: str, key_id: str, token_sha256: str) -> None:
        await self.session.execute(
            insert(chat_sessions).values(
                tenant_id=tenant_id, conversation_id=conversation_id, key_id=key_id, token_sha256=token_sha256
            )
        )

    async def chat_session(self, tenant_id: str, conversation_id: str, key_id: str) -> dict[str, Any] | None:
        query = select(chat_sessions).where(
            chat_sessions.c.tenant_id == tenant_id,
            chat_sessions.c.conversation_id == conversation_id,
            chat_sessions.c.key_id == key_id,
        )
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def add_email_address(self, tenant_id: str, address: str) -> bool:
        """False when the address already belongs to a tenant (this one or another)."""
        result = await self.session.execute(
            insert(email_addresses)
            .values(address=address, tenant_id=tenant_id)
            .on_conflict_do_nothing()
            .returning(email_addresses.c.address)
        )
        return result.first() is not None

    async def tenant_of_address(self, address: str) -> str | None:
        query = select(email_addresses.c.tenant_id).where(email_addresses.c.address == address)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def email_thread(self, tenant_id: str, message_ids: list[str]) -> str | None:
        """The conversation any of ``message_ids`` belongs to (the most recent reference first)."""
        if not message_ids:
            return None
        query = select(email_messages.c.message_id, email_messages.c.conversation_id).where(
            email_messages.c.tenant_id == tenant_id, email_messages.c.message_id.in_(message_ids)
        )
        found = dict((await self.session.execute(query)).all())
        return next((found[m] for m in reversed(message_ids) if m in found), None)

    async def add_email_conversation(
        self, tenant_id: str, conversation_id: str, customer: str, support: str, subject: str
    ) -> None:
        await self.session.execute(
            insert(email_conversations)
            .values(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                customer_address=customer,
                support_address=support,
                subject=subject,
            )
            .on_conflict_do_nothing()
        )

    async def email_conversation(self, tenant_id: str, conversation_id: str) -> dict[str, Any] | None:
        query = select(email_conversations).where(
            email_conversations.c.tenant_id == tenant_id, email_conversations.c.conversation_id == conversation_id
        )
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def add_email_message(
        self, tenant_id: str, message_id: str, conversation_id: str, direction: str, event_id: str | None = None
    ) -> bool:
        """False when this Message-ID (or this reply event) is already recorded."""
        result = await self.session.execute(
            insert(email_messages)
            .values(
                tenant_id=tenant_id,
                message_id=message_id,
                conversation_id=conversation_id,
                direction=direction,
                event_id=event_id,
            )
            .on_conflict_do_nothing()
            .returning(email_messages.c.message_id)
        )
        return result.first() is not None

    async def email_message_ids(self, tenant_id: str, conversation_id: str) -> list[str]:
        """Every Message-ID of the conversation, oldest first (for References)."""
        query = (
            select(email_messages.c.message_id)
            .where(email_messages.c.tenant_id == tenant_id, email_messages.c.conversation_id == conversation_id)
            .order_by(email_messages.c.at)
        )
        return list((await self.session.execute(query)).scalars())
