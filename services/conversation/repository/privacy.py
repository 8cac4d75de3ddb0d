"""SQL of data-subject requests: finding a subject's conversations, redacting them, tracking each service's answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversation.models import (
    conversations,
    email_conversations,
    email_messages,
    privacy_requests,
    retention_policies,
    transcript_entries,
)


@dataclass(frozen=True)
class PrivacyRequestRow:
    """An erasure or export and the answers of the services so far (service → what it reported)."""

    tenant_id: str
    request_id: str
    kind: str
    requested_by: str
    conversation_ids: tuple[str, ...]
    answers: dict[str, Any]
    requested_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> PrivacyRequestRow:
        return cls(
            tenant_id=row["tenant_id"],
            request_id=row["request_id"],
            kind=row["kind"],
            requested_by=row["requested_by"],
            conversation_ids=tuple(row["conversation_ids"]),
            answers=dict(row["answers"]),
            requested_at=row["requested_at"],
        )


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def conversations_of(self, tenant_id: str, customer: str) -> list[str]:
        """Conversations opened for ``customer`` (a customer id or an e-mail address), or written from that address."""
        by_customer = select(conversations.c.conversation_id).where(
            conversations.c.tenant_id == tenant_id, conversations.c.customer_id == customer
        )
        by_address = select(email_conversations.c.conversation_id).where(
            email_conversations.c.tenant_id == tenant_id,
            func.lower(email_conversations.c.customer_address) == customer.lower(),
        )
        rows = await self.session.execute(by_customer.union(by_address))
        return sorted(rows.scalars())

    async def existing(self, tenant_id: str, conversation_ids: Sequence[str]) -> list[str]:
        query = select(conversations.c.conversation_id).where(
            conversations.c.tenant_id == tenant_id, conversations.c.conversation_id.in_(list(conversation_ids))
        )
        return sorted((await self.session.execute(query)).scalars())

    async def older_than(self, tenant_id: str, before: datetime, limit: int) -> list[str]:
        """Conversations last active before ``before`` that still name a customer or have text (not erased yet)."""
        query = (
            select(conversations.c.conversation_id)
            .where(conversations.c.tenant_id == tenant_id, conversations.c.updated_at < before)
            .where(conversations.c.erased_at.is_(None))
            .order_by(conversations.c.updated_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # two retention runs at once take different batches
        )
        return list((await self.session.execute(query)).scalars())

    async def redact(self, tenant_id: str, conversation_ids: Sequence[str]) -> int:
        """Forget the customer and the mail threading of the conversations and empty their transcripts (the
        caller projects them again from the log, which now reads ``[erased]``)."""
        ids = list(conversation_ids)
        touched = 0
        # The conversations' rows first, as every writer of a conversation takes its row before its lines: lines
        # deleted first and held while waiting for a row would deadlock with a projection holding it.
        for stmt in (
            update(conversations)
            .where(conversations.c.tenant_id == tenant_id, conversations.c.conversation_id.in_(ids))
            .values(customer_id=None, erased_at=func.now()),
            update(email_conversations)
            .where(email_conversations.c.tenant_id == tenant_id, email_conversations.c.conversation_id.in_(ids))
            .values(customer_address="[erased]", subject="[erased]"),
        ):
            touched += (await self.session.execute(stmt)).rowcount or 0  # type: ignore[attr-defined]
        for table in (transcript_entries, email_messages):
            result = await self.session.execute(
                delete(table).where(table.c.tenant_id == tenant_id, table.c.conversation_id.in_(ids))
            )
            touched += result.rowcount or 0  # type: ignore[attr-defined]
        return touched

    async def add_request(
        self, tenant_id: str, request_id: str, kind: str, requested_by: str, digest: str, ids: Sequence[str]
    ) -> None:
        await self.session.execute(
            insert(privacy_requests)
            .values(
                tenant_id=tenant_id,
                request_id=request_id,
                kind=kind,
                requested_by=requested_by,
                subject_digest=digest,
                conversation_ids=list(ids),
            )
            .on_conflict_do_nothing()
        )

    async def record_answer(self, tenant_id: str, request_id: str, service: str, answer: dict[str, Any]) -> None:
        """A service's answer, merged into the request's (a repeated answer replaces the same service's)."""
        await self.session.execute(
            update(privacy_requests)
            .where(privacy_requests.c.tenant_id == tenant_id, privacy_requests.c.request_id == request_id)
            .values(answers=privacy_requests.c.answers.op("||")(cast({service: answer}, JSONB)))
        )

    async def get(self, tenant_id: str, request_id: str, kind: str) -> PrivacyRequestRow | None:
        query = select(privacy_requests).where(
            privacy_requests.c.tenant_id == tenant_id,
            privacy_requests.c.request_id == request_id,
            privacy_requests.c.kind == kind,
        )
        row = (await self.session.execute(query)).mappings().first()
        return PrivacyRequestRow.from_row(row) if row else None

    async def exports_covering(self, tenant_id: str, conversation_ids: Sequence[str]) -> list[str]:
        """Exports whose scope includes any of the conversations (their parts must go with them)."""
        query = select(privacy_requests.c.request_id).where(
            privacy_requests.c.tenant_id == tenant_id,
            privacy_requests.c.kind == "export",
            privacy_requests.c.conversation_ids.overlap(list(conversation_ids)),
        )
        return list((await self.session.execute(query)).scalars())

    async def mark_erased(self, tenant_id: str, conversation_ids: Sequence[str]) -> None:
        """Conversations whose erasure was requested (their keys are gone): no retention run picks them again."""
        await self.session.execute(
            update(conversations)
            .where(conversations.c.tenant_id == tenant_id, conversations.c.conversation_id.in_(list(conversation_ids)))
            .where(conversations.c.erased_at.is_(None))
            .values(erased_at=func.now())
        )

    async def retention(self, tenant_id: str) -> int | None:
        query = select(retention_policies.c.days).where(retention_policies.c.tenant_id == tenant_id)
        days: int | None = (await self.session.execute(query)).scalar_one_or_none()
        return days

    async def set_retention(self, tenant_id: str, days: int | None) -> None:
        """Keep the tenant's conversations ``days`` after their last activity; None keeps them until erased."""
        if days is None:
            await self.session.execute(delete(retention_policies).where(retention_policies.c.tenant_id == tenant_id))
            return
        stmt = insert(retention_policies).values(tenant_id=tenant_id, days=days)
        stmt = stmt.on_conflict_do_update(
            index_elements=[retention_policies.c.tenant_id], set_={"days": days, "updated_at": func.now()}
        )
        await self.session.execute(stmt)

    async def retention_policies(self) -> list[tuple[str, int]]:
        """Every tenant's retention (read in the system scope: it is for no one tenant)."""
        query = select(retention_policies.c.tenant_id, retention_policies.c.days).order_by(
            retention_policies.c.tenant_id
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]
