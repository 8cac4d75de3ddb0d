"""Every SQL statement of the conversation service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, select, text, update
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
from services.conversation.repository import projection
from services.conversation.repository.projection import Advance, NewEntry


@dataclass(frozen=True)
class ConversationRow:
    """A conversation's projected state; ``last_position`` is its log version as projected."""

    tenant_id: str
    conversation_id: str
    channel: str
    customer_id: str | None
    status: str
    last_position: int
    event_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ConversationRow:
        return cls(
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            channel=row["channel"],
            customer_id=row["customer_id"],
            status=row["status"],
            last_position=row["last_position"],
            event_count=row["event_count"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a transcript, at its log position (stored, or rebuilt from the log by ``service.entry_for``)."""

    position: int
    event_id: str
    role: str
    text: str
    at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> TranscriptEntry:
        return cls(position=row["position"], event_id=row["event_id"], role=row["role"], text=row["text"], at=row["at"])


@dataclass(frozen=True)
class QuotaState:
    """The newest plan quota state billing announced for a tenant."""

    tenant_id: str
    month: str  # YYYY-MM
    state: str
    behaviour: str  # refuse | handoff
    refusal_message: str | None
    position: int

    @classmethod
    def from_row(cls, row: RowMapping) -> QuotaState:
        return cls(
            tenant_id=row["tenant_id"],
            month=row["month"],
            state=row["state"],
            behaviour=row["behaviour"],
            refusal_message=row["refusal_message"],
            position=row["position"],
        )


@dataclass(frozen=True)
class WidgetKeyRow:
    """A widget key as read back: never the key, nor its digest."""

    key_id: str
    tenant_id: str
    key_prefix: str | None  # null for keys made before prefixes
    allowed_origins: list[str]
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> WidgetKeyRow:
        return cls(
            key_id=row["key_id"],
            tenant_id=row["tenant_id"],
            key_prefix=row["key_prefix"],
            allowed_origins=list(row["allowed_origins"]),
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
        )


@dataclass(frozen=True)
class ChatSessionRow:
    """Which widget key opened a conversation, and the digest of the client token it must present."""

    tenant_id: str
    conversation_id: str
    key_id: str
    token_sha256: str

    @classmethod
    def from_row(cls, row: RowMapping) -> ChatSessionRow:
        return cls(
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            key_id=row["key_id"],
            token_sha256=row["token_sha256"],
        )


@dataclass(frozen=True)
class EmailConversationRow:
    tenant_id: str
    conversation_id: str
    customer_address: str
    support_address: str
    subject: str

    @classmethod
    def from_row(cls, row: RowMapping) -> EmailConversationRow:
        return cls(
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            customer_address=row["customer_address"],
            support_address=row["support_address"],
            subject=row["subject"],
        )


async def add_widget_key_revocation(conn: AsyncConnection) -> None:
    """Schema v2: the columns v1's ``widget_keys`` lacked (a fresh database has them from v1's create_all)."""
    for column in ("key_prefix VARCHAR(16)", "revoked_at TIMESTAMP WITH TIME ZONE"):
        await conn.execute(text(f"ALTER TABLE conversation.widget_keys ADD COLUMN IF NOT EXISTS {column}"))


# A widget key's columns as read back: never its digest.
_WIDGET_KEY = (
    widget_keys.c.key_id,
    widget_keys.c.tenant_id,
    widget_keys.c.key_prefix,
    widget_keys.c.allowed_origins,
    widget_keys.c.created_at,
    widget_keys.c.revoked_at,
)


# Read for every customer message (and by the projection when a batch overlaps what it projected): built once.
_KEY = (conversations.c.tenant_id == bindparam("t")) & (conversations.c.conversation_id == bindparam("c"))
_GET = select(conversations).where(_KEY)
_GET_FOR_UPDATE = _GET.with_for_update()


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, conversation_id: str, *, for_update: bool = False) -> ConversationRow | None:
        query = _GET_FOR_UPDATE if for_update else _GET
        row = (await self.session.execute(query, {"t": tenant_id, "c": conversation_id})).mappings().first()
        return ConversationRow.from_row(row) if row else None

    async def list_for_tenant(
        self, tenant_id: str, limit: int, status: str | None, customer_id: str | None = None
    ) -> list[ConversationRow]:
        query = select(conversations).where(conversations.c.tenant_id == tenant_id)
        if status:
            query = query.where(conversations.c.status == status)
        if customer_id:
            query = query.where(conversations.c.customer_id == customer_id)
        query = query.order_by(conversations.c.created_at.desc()).limit(limit)
        return [ConversationRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

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

    async def apply(self, tenant_id: str, conversation_id: str, advance: Advance, entries: Sequence[NewEntry]) -> bool:
        """``entries`` added and ``advance`` applied in one statement (``projection.apply``); whether it advanced."""
        return await projection.apply(self.session, tenant_id, conversation_id, advance, entries)

    async def add_late_entries(self, tenant_id: str, conversation_id: str, entries: Sequence[NewEntry]) -> None:
        """Lines of events projected already, under the row's lock (``projection.add_late_entries``)."""
        await projection.add_late_entries(self.session, tenant_id, conversation_id, entries)

    async def add_entries(self, tenant_id: str, conversation_id: str, entries: Sequence[NewEntry]) -> None:
        """Several transcript lines in one statement; lines already there (by position) are kept."""
        await self.session.execute(
            insert(transcript_entries)
            .values(
                [
                    {
                        "tenant_id": tenant_id,
                        "conversation_id": conversation_id,
                        "position": e.position,
                        "event_id": e.event_id,
                        "role": e.role,
                        "text": e.text,
                        "at": e.at,
                    }
                    for e in entries
                ]
            )
            .on_conflict_do_nothing()
        )

    async def transcript(self, tenant_id: str, conversation_id: str) -> list[TranscriptEntry]:
        query = (
            select(transcript_entries)
            .where(
                transcript_entries.c.tenant_id == tenant_id,
                transcript_entries.c.conversation_id == conversation_id,
            )
            .order_by(transcript_entries.c.position)
        )
        return [TranscriptEntry.from_row(r) for r in (await self.session.execute(query)).mappings()]

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

    async def quota_state(self, tenant_id: str) -> QuotaState | None:
        query = select(quota_states).where(quota_states.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return QuotaState.from_row(row) if row else None

    async def add_widget_key(
        self, tenant_id: str, key_id: str, key_sha256: str, key_prefix: str, allowed_origins: list[str]
    ) -> datetime:
        """Store a new key (its digest); when it was created."""
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
        created_at: datetime = result.scalar_one()
        return created_at

    async def widget_keys(self, tenant_id: str) -> list[WidgetKeyRow]:
        """The tenant's widget keys, newest first."""
        query = (
            select(*_WIDGET_KEY)
            .where(widget_keys.c.tenant_id == tenant_id)
            .order_by(widget_keys.c.created_at.desc(), widget_keys.c.key_id)
        )
        return [WidgetKeyRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

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

    async def widget_key(self, key_sha256: str) -> WidgetKeyRow | None:
        query = select(*_WIDGET_KEY).where(widget_keys.c.key_sha256 == key_sha256)
        row = (await self.session.execute(query)).mappings().first()
        return WidgetKeyRow.from_row(row) if row else None

    async def widget_key_by_id(self, tenant_id: str, key_id: str) -> WidgetKeyRow | None:
        query = select(*_WIDGET_KEY).where(widget_keys.c.tenant_id == tenant_id, widget_keys.c.key_id == key_id)
        row = (await self.session.execute(query)).mappings().first()
        return WidgetKeyRow.from_row(row) if row else None

    async def add_chat_session(self, tenant_id: str, conversation_id: str, key_id: str, token_sha256: str) -> None:
        await self.session.execute(
            insert(chat_sessions).values(
                tenant_id=tenant_id, conversation_id=conversation_id, key_id=key_id, token_sha256=token_sha256
            )
        )

    async def chat_session(self, tenant_id: str, conversation_id: str, key_id: str) -> ChatSessionRow | None:
        query = select(chat_sessions).where(
            chat_sessions.c.tenant_id == tenant_id,
            chat_sessions.c.conversation_id == conversation_id,
            chat_sessions.c.key_id == key_id,
        )
        row = (await self.session.execute(query)).mappings().first()
        return ChatSessionRow.from_row(row) if row else None

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

    async def email_conversation(self, tenant_id: str, conversation_id: str) -> EmailConversationRow | None:
        query = select(email_conversations).where(
            email_conversations.c.tenant_id == tenant_id, email_conversations.c.conversation_id == conversation_id
        )
        row = (await self.session.execute(query)).mappings().first()
        return EmailConversationRow.from_row(row) if row else None

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
