"""Tickets, their notes and SLA timers, the tenants' SLA policies: their SQL and the rows it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, RowMapping, and_, any_, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import Priority
from libs.events.catalog.humans import TicketStatus
from libs.platform.db import pair_among
from services.ticketing.models import sla_policies, ticket_notes, tickets

SlaKind = Literal["first_response", "resolution"]


@dataclass(frozen=True)
class TicketRow:
    """A ticket with its SLA timers (``<kind>_due_at``, when met, ``<kind>_breached_at``) and CSAT."""

    tenant_id: str
    ticket_id: str
    conversation_id: str
    source_event_id: str
    source: str
    subject: str
    summary: str
    priority: Priority
    status: TicketStatus
    assignee: str | None
    team: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_responded_at: datetime | None
    first_response_breached_at: datetime | None
    resolution_due_at: datetime
    resolved_at: datetime | None
    resolution_breached_at: datetime | None
    csat_score: int | None
    csat_comment: str | None
    csat_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> TicketRow:
        return cls(
            tenant_id=row["tenant_id"],
            ticket_id=row["ticket_id"],
            conversation_id=row["conversation_id"],
            source_event_id=row["source_event_id"],
            source=row["source"],
            subject=row["subject"],
            summary=row["summary"],
            priority=row["priority"],
            status=row["status"],
            assignee=row["assignee"],
            team=row["team"],
            tags=list(row["tags"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            first_response_due_at=row["first_response_due_at"],
            first_responded_at=row["first_responded_at"],
            first_response_breached_at=row["first_response_breached_at"],
            resolution_due_at=row["resolution_due_at"],
            resolved_at=row["resolved_at"],
            resolution_breached_at=row["resolution_breached_at"],
            csat_score=row["csat_score"],
            csat_comment=row["csat_comment"],
            csat_at=row["csat_at"],
        )


@dataclass(frozen=True)
class DueBreach:
    """A timer just claimed as breached, and what announcing it needs."""

    tenant_id: str
    ticket_id: str
    conversation_id: str
    priority: Priority
    assignee: str | None
    due_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> DueBreach:
        return cls(
            tenant_id=row["tenant_id"],
            ticket_id=row["ticket_id"],
            conversation_id=row["conversation_id"],
            priority=row["priority"],
            assignee=row["assignee"],
            due_at=row["due_at"],
        )


@dataclass(frozen=True)
class NoteRow:
    """An internal note on a ticket."""

    tenant_id: str
    note_id: str
    ticket_id: str
    agent_id: str
    text: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> NoteRow:
        return cls(
            tenant_id=row["tenant_id"],
            note_id=row["note_id"],
            ticket_id=row["ticket_id"],
            agent_id=row["agent_id"],
            text=row["text"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class RatingRow:
    """A ticket's CSAT rating, with the conversation and the assignee behind it."""

    ticket_id: str
    conversation_id: str
    score: int
    comment: str | None
    at: datetime
    assignee: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> RatingRow:
        return cls(
            ticket_id=row["ticket_id"],
            conversation_id=row["conversation_id"],
            score=row["csat_score"],
            comment=row["csat_comment"],
            at=row["csat_at"],
            assignee=row["assignee"],
        )


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; every criterion given must hold."""

    status: str | None = None
    priority: str | None = None
    team: str | None = None
    tag: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    breaching: bool = False
    limit: int = 50


def _breaching() -> ColumnElement[bool]:
    """A ticket that is not resolved and has missed a target that is still running."""
    return and_(
        tickets.c.status != "resolved",
        or_(
            and_(tickets.c.first_response_breached_at.is_not(None), tickets.c.first_responded_at.is_(None)),
            tickets.c.resolution_breached_at.is_not(None),
        ),
    )


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, first_response_seconds: int, resolution_seconds: int, **row: Any) -> TicketRow | None:
        """Insert a ticket with its SLA due times (from the database clock); None when its source event already
        produced one (redelivery)."""
        result = await self.session.execute(
            insert(tickets)
            .values(
                **row,
                first_response_due_at=func.now() + timedelta(seconds=first_response_seconds),
                resolution_due_at=func.now() + timedelta(seconds=resolution_seconds),
            )
            .on_conflict_do_nothing(index_elements=["source_event_id"])
            .returning(*tickets.c)
        )
        found = result.mappings().first()
        return TicketRow.from_row(found) if found else None

    async def inbox(self, tenant_id: str, f: InboxFilter) -> list[TicketRow]:
        query = select(tickets).where(tickets.c.tenant_id == tenant_id)
        if f.status:
            query = query.where(tickets.c.status == f.status)
        if f.priority:
            query = query.where(tickets.c.priority == f.priority)
        if f.team:
            query = query.where(tickets.c.team == f.team)
        if f.tag:
            query = query.where(any_(tickets.c.tags) == f.tag)
        if f.assignee:
            query = query.where(tickets.c.assignee == f.assignee)
        if f.unassigned:
            query = query.where(tickets.c.assignee.is_(None))
        if f.breaching:
            query = query.where(_breaching())
        query = query.order_by(tickets.c.created_at.desc(), tickets.c.ticket_id.desc()).limit(f.limit)
        return [TicketRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def get(self, tenant_id: str, ticket_id: str, *, for_update: bool = False) -> TicketRow | None:
        query = select(tickets).where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return TicketRow.from_row(row) if row else None

    async def update(self, tenant_id: str, ticket_id: str, **values: Any) -> TicketRow:
        result = await self.session.execute(
            update(tickets)
            .where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
            .values(**values, updated_at=func.now())
            .returning(*tickets.c)
        )
        return TicketRow.from_row(result.mappings().one())

    async def set_status(self, tenant_id: str, ticket_id: str, status: str) -> TicketRow:
        """Change the status; resolving stops the resolution timer, reopening restarts it (same due time)."""
        values: dict[str, Any] = {"status": status}
        if status == "resolved":
            values["resolved_at"] = func.now()
        else:
            values["resolved_at"] = None
        return await self.update(tenant_id, ticket_id, **values)

    async def record_first_response(self, tenant_id: str, ticket_id: str) -> TicketRow:
        """Stop the first-response timer (the first human reply counts; later ones change nothing)."""
        return await self.update(
            tenant_id, ticket_id, first_responded_at=func.coalesce(tickets.c.first_responded_at, func.now())
        )

    async def reset_due_times(
        self, tenant_id: str, ticket_id: str, first_response_s: int, resolution_s: int
    ) -> TicketRow:
        """New targets after a priority change, counted from the ticket's creation; met or breached ones stay."""
        return await self.update(
            tenant_id,
            ticket_id,
            first_response_due_at=tickets.c.created_at + timedelta(seconds=first_response_s),
            resolution_due_at=tickets.c.created_at + timedelta(seconds=resolution_s),
        )

    async def with_tickets(self, conversations: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these ``(tenant_id, conversation_id)`` have a ticket: one read for a batch of messages."""
        if not conversations:
            return set()
        found = await self.session.execute(
            select(tickets.c.tenant_id, tickets.c.conversation_id)
            .where(pair_among(tickets.c.tenant_id, tickets.c.conversation_id, sorted(conversations)))
            .distinct()
        )
        return {(tenant, conversation) for tenant, conversation in found.tuples()}

    async def has_ticket(self, tenant_id: str, conversation_id: str) -> bool:
        found = await self.session.execute(
            select(tickets.c.ticket_id)
            .where(tickets.c.tenant_id == tenant_id, tickets.c.conversation_id == conversation_id)
            .limit(1)
        )
        return found.first() is not None

    async def pending_to_open(self, tenant_id: str, conversation_id: str) -> list[str]:
        """The customer answered: tickets waiting for them are open again. Returns the tickets that moved."""
        result = await self.session.execute(
            update(tickets)
            .where(
                tickets.c.tenant_id == tenant_id,
                tickets.c.conversation_id == conversation_id,
                tickets.c.status == "pending",
            )
            .values(status="open", updated_at=func.now())
            .returning(tickets.c.ticket_id)
        )
        return list(result.scalars())

    async def record_csat(self, tenant_id: str, ticket_id: str, score: int, comment: str | None) -> bool:
        """Store the rating of a resolved ticket; False when it is not resolved or was already rated."""
        result = await self.session.execute(
            update(tickets)
            .where(
                tickets.c.tenant_id == tenant_id,
                tickets.c.ticket_id == ticket_id,
                tickets.c.status == "resolved",
                tickets.c.csat_score.is_(None),
            )
            .values(csat_score=score, csat_comment=comment, csat_at=func.now())
            .returning(tickets.c.ticket_id)
        )
        return result.first() is not None

    async def ratings(self, tenant_id: str, start: datetime, end: datetime) -> list[RatingRow]:
        """Tickets rated in ``[start, end)``, oldest rating first."""
        query = (
            select(
                tickets.c.ticket_id,
                tickets.c.conversation_id,
                tickets.c.csat_score,
                tickets.c.csat_comment,
                tickets.c.csat_at,
                tickets.c.assignee,
            )
            .where(
                tickets.c.tenant_id == tenant_id,
                tickets.c.csat_score.is_not(None),
                tickets.c.csat_at >= start,
                tickets.c.csat_at < end,
            )
            .order_by(tickets.c.csat_at, tickets.c.ticket_id)
        )
        return [RatingRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def seconds_to_next_breach(self) -> float | None:
        """Seconds (by the database's clock) until the earliest running, unbreached timer of either kind is due;
        None when none is running. The SLA sweep sleeps until then instead of asking every second."""
        dues = []
        for kind in ("first_response", "resolution"):
            due = tickets.c[f"{kind}_due_at"]
            met = tickets.c.first_responded_at if kind == "first_response" else tickets.c.resolved_at
            running = and_(met.is_(None), tickets.c[f"{kind}_breached_at"].is_(None), tickets.c.status != "resolved")
            dues.append(select(func.min(due)).where(running).scalar_subquery())
        earliest = func.least(*dues)
        seconds = await self.session.scalar(select(func.extract("epoch", earliest - func.now())))
        return None if seconds is None else float(seconds)

    async def claim_due_breaches(self, kind: SlaKind, limit: int) -> list[DueBreach]:
        """Mark up to ``limit`` due, running, unbreached timers of ``kind`` as breached and return their tickets.

        ``FOR UPDATE SKIP LOCKED`` lets replicas sweep side by side without waiting on each other, and the outer
        ``breached_at IS NULL`` (re-checked by PostgreSQL after any lock wait) makes each claim succeed once, ever:
        the caller emits ``sla.breached`` in the same transaction, so a breach is announced exactly once.
        """
        due = tickets.c[f"{kind}_due_at"]
        breached = tickets.c[f"{kind}_breached_at"]
        met = tickets.c.first_responded_at if kind == "first_response" else tickets.c.resolved_at
        running = and_(due <= func.now(), met.is_(None), breached.is_(None), tickets.c.status != "resolved")
        candidates = (
            select(tickets.c.tenant_id, tickets.c.ticket_id)
            .where(running)
            .order_by(due)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(tickets)
            .where(tuple_(tickets.c.tenant_id, tickets.c.ticket_id).in_(candidates), running)
            .values({breached: func.now()})
            .returning(
                tickets.c.tenant_id,
                tickets.c.ticket_id,
                tickets.c.conversation_id,
                tickets.c.priority,
                tickets.c.assignee,
                due.label("due_at"),
            )
        )
        return [DueBreach.from_row(r) for r in result.mappings()]

    async def add_note(self, **row: Any) -> NoteRow:
        result = await self.session.execute(ticket_notes.insert().values(**row).returning(*ticket_notes.c))
        return NoteRow.from_row(result.mappings().one())

    async def notes(self, tenant_id: str, ticket_id: str) -> list[NoteRow]:
        query = (
            select(ticket_notes)
            .where(ticket_notes.c.tenant_id == tenant_id, ticket_notes.c.ticket_id == ticket_id)
            .order_by(ticket_notes.c.created_at, ticket_notes.c.note_id)
        )
        return [NoteRow.from_row(r) for r in (await self.session.execute(query)).mappings()]


class SlaPolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def overrides(self, tenant_id: str) -> dict[str, tuple[int, int]]:
        """The tenant's own targets by priority: ``(first_response_seconds, resolution_seconds)``."""
        query = select(
            sla_policies.c.priority, sla_policies.c.first_response_seconds, sla_policies.c.resolution_seconds
        ).where(sla_policies.c.tenant_id == tenant_id)
        return {p: (fr, res) for p, fr, res in (await self.session.execute(query)).all()}

    async def put(self, tenant_id: str, priority: str, first_response_seconds: int, resolution_seconds: int) -> None:
        values = {"first_response_seconds": first_response_seconds, "resolution_seconds": resolution_seconds}
        await self.session.execute(
            insert(sla_policies)
            .values(tenant_id=tenant_id, priority=priority, **values)
            .on_conflict_do_update(index_elements=["tenant_id", "priority"], set_={**values, "updated_at": func.now()})
        )
