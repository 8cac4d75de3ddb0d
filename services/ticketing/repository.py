"""Every SQL statement of the ticketing service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, any_, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import agent_passwords, agents, issued_keys, sla_policies, ticket_notes, tickets

Row = dict[str, Any]
SlaKind = Literal["first_response", "resolution"]


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

    async def create(self, *, first_response_seconds: int, resolution_seconds: int, **row: Any) -> Row | None:
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
        return dict(found) if found else None

    async def inbox(self, tenant_id: str, f: InboxFilter) -> list[Row]:
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
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def get(self, tenant_id: str, ticket_id: str, *, for_update: bool = False) -> Row | None:
        query = select(tickets).where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def update(self, tenant_id: str, ticket_id: str, **values: Any) -> Row:
        result = await self.session.execute(
            update(tickets)
            .where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
            .values(**values, updated_at=func.now())
            .returning(*tickets.c)
        )
        return dict(result.mappings().one())

    async def set_status(self, tenant_id: str, ticket_id: str, status: str) -> Row:
        """Change the status; resolving stops the resolution timer, reopening restarts it (same due time)."""
        values: dict[str, Any] = {"status": status}
        if status == "resolved":
            values["resolved_at"] = func.now()
        else:
            values["resolved_at"] = None
        return await self.update(tenant_id, ticket_id, **values)

    async def record_first_response(self, tenant_id: str, ticket_id: str) -> Row:
        """Stop the first-response timer (the first human reply counts; later ones change nothing)."""
        return await self.update(
            tenant_id, ticket_id, first_responded_at=func.coalesce(tickets.c.first_responded_at, func.now())
        )

    async def reset_due_times(self, tenant_id: str, ticket_id: str, first_response_s: int, resolution_s: int) -> Row:
        """New targets after a priority change, counted from the ticket's creation; met or breached ones stay."""
        return await self.update(
            tenant_id,
            ticket_id,
            first_response_due_at=tickets.c.created_at + timedelta(seconds=first_response_s),
            resolution_due_at=tickets.c.created_at + timedelta(seconds=resolution_s),
        )

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

    async def ratings(self, tenant_id: str, start: datetime, end: datetime) -> list[Row]:
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
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def claim_due_breaches(self, kind: SlaKind, limit: int) -> list[Row]:
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
        return [dict(r) for r in result.mappings()]

    async def add_note(self, **row: Any) -> Row:
        result = await self.session.execute(ticket_notes.insert().values(**row).returning(*ticket_notes.c))
        return dict(result.mappings().one())

    async def notes(self, tenant_id: str, ticket_id: str) -> list[Row]:
        query = (
            select(ticket_notes)
            .where(ticket_notes.c.tenant_id == tenant_id, ticket_notes.c.ticket_id == ticket_id)
            .order_by(ticket_notes.c.created_at, ticket_notes.c.note_id)
        )
        return [dict(r) for r in (await self.session.execute(query)).mappings()]


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, **row: Any) -> Row:
        result = await self.session.execute(agents.insert().values(**row).returning(*agents.c))
        return dict(result.mappings().one())

    async def by_key_digest(self, digest: str) -> Row | None:
        query = select(agents).where(agents.c.api_key_sha256 == digest, agents.c.active.is_(True))
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def get(self, tenant_id: str, agent_id: str) -> Row | None:
        query = select(agents).where(agents.c.tenant_id == tenant_id, agents.c.agent_id == agent_id)
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def list(self, tenant_id: str) -> list[Row]:
        query = select(agents).where(agents.c.tenant_id == tenant_id).order_by(agents.c.created_at, agents.c.agent_id)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def update(self, tenant_id: str, agent_id: str, **values: Any) -> Row | None:
        result = await self.session.execute(
            update(agents)
            .where(agents.c.tenant_id == tenant_id, agents.c.agent_id == agent_id)
            .values(**values)
            .returning(*agents.c)
        )
        row = result.mappings().first()
        return dict(row) if row else None

    async def next_in_rotation(self, tenant_id: str, team: str | None) -> Row | None:
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


class AccountRepository:
    """Passwords of human agents and the keys issued for the tenant (API keys and sign-in sessions)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_password(self, tenant_id: str, agent_id: str, password_hash: str) -> None:
        values = {"password_hash": password_hash}
        await self.session.execute(
            insert(agent_passwords)
            .values(tenant_id=tenant_id, agent_id=agent_id, **values)
            .on_conflict_do_update(index_elements=["tenant_id", "agent_id"], set_={**values, "updated_at": func.now()})
        )

    async def sign_in_candidates(self, email: str, tenant_id: str | None) -> list[Row]:
        """Active agents with this e-mail (any case) and a password, with their hash; in one tenant if given."""
        query = (
            select(agents, agent_passwords.c.password_hash)
            .join(
                agent_passwords,
                and_(
                    agent_passwords.c.tenant_id == agents.c.tenant_id,
                    agent_passwords.c.agent_id == agents.c.agent_id,
                ),
            )
            .where(func.lower(agents.c.email) == email.strip().lower(), agents.c.active.is_(True))
            .order_by(agents.c.created_at)
        )
        if tenant_id is not None:
            query = query.where(agents.c.tenant_id == tenant_id)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def add_key(self, **row: Any) -> Row:
        result = await self.session.execute(issued_keys.insert().values(**row).returning(*issued_keys.c))
        return dict(result.mappings().one())

    async def session_agent(self, digest: str) -> Row | None:
        """The active agent behind a live sign-in key (not revoked, not expired), with the key's id."""
        query = (
            select(agents, issued_keys.c.key_id.label("session_key_id"))
            .join(
                issued_keys,
                and_(issued_keys.c.tenant_id == agents.c.tenant_id, issued_keys.c.agent_id == agents.c.agent_id),
            )
            .where(
                issued_keys.c.api_key_sha256 == digest,
                issued_keys.c.kind == "session",
                issued_keys.c.revoked_at.is_(None),
                issued_keys.c.expires_at > func.now(),
                agents.c.active.is_(True),
            )
        )
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def keys(self, tenant_id: str, kind: str) -> list[Row]:
        query = (
            select(issued_keys)
            .where(issued_keys.c.tenant_id == tenant_id, issued_keys.c.kind == kind)
            .order_by(issued_keys.c.created_at.desc(), issued_keys.c.key_id)
        )
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    async def key(self, tenant_id: str, key_id: str) -> Row | None:
        query = select(issued_keys).where(issued_keys.c.tenant_id == tenant_id, issued_keys.c.key_id == key_id)
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def revoke(self, tenant_id: str, key_ids: list[str]) -> list[str]:
        """Revoke the keys not revoked yet; returns those it revoked now."""
        if not key_ids:
            return []
        result = await self.session.execute(
            update(issued_keys)
            .where(
                issued_keys.c.tenant_id == tenant_id,
                issued_keys.c.key_id.in_(key_ids),
                issued_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=func.now())
            .returning(issued_keys.c.key_id)
        )
        return list(result.scalars())

    async def live_sessions(self, tenant_id: str, agent_id: str, now: datetime) -> list[str]:
        """The agent's sign-in keys that still work."""
        query = select(issued_keys.c.key_id).where(
            issued_keys.c.tenant_id == tenant_id,
            issued_keys.c.agent_id == agent_id,
            issued_keys.c.kind == "session",
            issued_keys.c.revoked_at.is_(None),
            issued_keys.c.expires_at > now,
        )
        return list((await self.session.execute(query)).scalars())
