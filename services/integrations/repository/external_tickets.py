"""Helpdesk tickets kept in step with the provider (Zendesk), and the comments we posted on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.db import pair_among
from services.integrations.models import external_tickets


@dataclass(frozen=True)
class SyncedTicket:
    """Our copy of a provider's ticket, as of the newest change applied."""

    tenant_id: str
    provider: str
    external_id: str
    conversation_id: str | None  # the conversation whose AI opened it, if any
    subject: str | None
    status: str | None
    priority: str | None
    own_comments: list[str]  # digests of comments we posted (the newest 50)
    external_updated_at: datetime | None
    synced_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> SyncedTicket:
        return cls(
            tenant_id=row["tenant_id"],
            provider=row["provider"],
            external_id=row["external_id"],
            conversation_id=row["conversation_id"],
            subject=row["subject"],
            status=row["status"],
            priority=row["priority"],
            own_comments=list(row["own_comments"] or []),
            external_updated_at=row["external_updated_at"],
            synced_at=row["synced_at"],
        )


@dataclass(frozen=True)
class TicketState:
    """A ticket's fields as of one change; None leaves a field as it is."""

    subject: str | None = None
    status: str | None = None
    priority: str | None = None


class ExternalTicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sync(
        self,
        tenant_id: str,
        provider: str,
        external_id: str,
        state: TicketState,
        *,
        occurred_at: datetime,
        conversation_id: str | None = None,
    ) -> tuple[SyncedTicket, bool]:
        """Apply a ticket's state as of ``occurred_at``; an older change than the one applied leaves the state as it
        is (deliveries arrive out of order). Returns the row and whether the change was applied. A conversation
        link is set whatever the order (a webhook may have recorded the ticket first) and never replaced."""
        given = {"subject": state.subject, "status": state.status, "priority": state.priority}
        values = {k: v for k, v in given.items() if v is not None}
        t = external_tickets.c
        key = (t.tenant_id == tenant_id, t.provider == provider, t.external_id == external_id)
        stmt = insert(external_tickets).values(
            tenant_id=tenant_id,
            provider=provider,
            external_id=external_id,
            conversation_id=conversation_id,
            external_updated_at=occurred_at,
            **values,
        )
        applied = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.tenant_id, t.provider, t.external_id],
                set_={
                    **{k: stmt.excluded[k] for k in values},
                    "external_updated_at": stmt.excluded.external_updated_at,
                    "synced_at": func.now(),
                },
                where=(t.external_updated_at.is_(None)) | (t.external_updated_at <= stmt.excluded.external_updated_at),
            ).returning(t.external_id)
        )
        was_applied = applied.first() is not None
        if conversation_id is not None:
            await self.session.execute(
                update(external_tickets)
                .where(*key)
                .values(conversation_id=func.coalesce(t.conversation_id, conversation_id))
            )
        current = await self.get(tenant_id, provider, external_id)
        assert current is not None
        return current, was_applied

    async def get(self, tenant_id: str, provider: str, external_id: str) -> SyncedTicket | None:
        query = select(external_tickets).where(
            external_tickets.c.tenant_id == tenant_id,
            external_tickets.c.provider == provider,
            external_tickets.c.external_id == external_id,
        )
        row = (await self.session.execute(query)).mappings().first()
        return SyncedTicket.from_row(row) if row else None

    async def remember_own_comment(self, tenant_id: str, provider: str, external_id: str, digest: str) -> None:
        """Remember a comment we posted (its digest; the newest 50) so its webhook is not echoed back."""
        t = external_tickets.c
        await self.session.execute(
            insert(external_tickets)
            .values(tenant_id=tenant_id, provider=provider, external_id=external_id)
            .on_conflict_do_nothing()
        )
        key = (t.tenant_id == tenant_id, t.provider == provider, t.external_id == external_id)
        own = (await self.session.execute(select(t.own_comments).where(*key).with_for_update())).scalar_one()
        await self.session.execute(
            update(external_tickets).where(*key).values(own_comments=[*(own or []), digest][-50:])
        )

    async def of_provider(
        self, tenant_id: str, provider: str, conversation_id: str | None, limit: int
    ) -> list[SyncedTicket]:
        """Most recently synced first; only those linked to ``conversation_id`` when one is given."""
        query = select(external_tickets).where(
            external_tickets.c.tenant_id == tenant_id, external_tickets.c.provider == provider
        )
        if conversation_id:
            query = query.where(external_tickets.c.conversation_id == conversation_id)
        query = query.order_by(external_tickets.c.synced_at.desc()).limit(limit)
        return [SyncedTicket.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def linked(self, provider: str, conversations: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these ``(tenant_id, conversation_id)`` have a ticket of ``provider`` linked: one read for a
        batch of messages."""
        if not conversations:
            return set()
        c = external_tickets.c
        found = await self.session.execute(
            select(c.tenant_id, c.conversation_id)
            .where(c.provider == provider, pair_among(c.tenant_id, c.conversation_id, sorted(conversations)))
            .distinct()
        )
        return {(tenant, conversation) for tenant, conversation in found.tuples()}
