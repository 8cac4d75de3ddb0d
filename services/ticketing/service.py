"""Ticketing domain logic: tickets from handoffs, human agents, assignment, replies, status, SLA timers, CSAT.

Everything that concerns the customer's conversation (an assignment, a human reply, a resolution, a CSAT request)
is emitted through the outbox on the conversation's log, in the same transaction as the ticket change; the
conversation service delivers it on the conversation's own channel. Internal notes are tenant-wide events and
never touch a conversation log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import (
    Actor,
    ConversationHandedBack,
    ConversationResolved,
    Envelope,
    EventPayload,
    HandoffRequested,
    MessageReceived,
    Priority,
    RecordedEvent,
    TicketCreated,
    new_id,
)
from libs.events.catalog.humans import (
    CsatRecorded,
    CsatRequested,
    HumanAssigned,
    HumanReplied,
    TicketNoteAdded,
    TicketStatus,
    TicketStatusChanged,
)
from libs.platform.outbox import UnitOfWork
from libs.platform.tenancy import key_digest
from services.ticketing.repository import (
    AgentRepository,
    AgentRow,
    NoteRow,
    SlaPolicyRepository,
    TicketRepository,
    TicketRow,
)

ACTOR = Actor(kind="system", id="ticketing")
AGENT_KEY_PREFIX = "dpa_"
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending", "resolved")
# (first response, resolution) in seconds, used until a tenant sets its own policy for a priority.
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    "urgent": (15 * 60, 4 * 3600),
    "high": (3600, 8 * 3600),
    "normal": (4 * 3600, 24 * 3600),
    "low": (8 * 3600, 72 * 3600),
}

Role = Literal["owner", "admin", "agent"]
AssignMethod = Literal["round_robin", "manual"]


class TicketNotFound(LookupError):
    """No such ticket for this tenant."""


class AgentNotFound(LookupError):
    """No such (active) agent for this tenant."""


class Conflict(ValueError):
    """The request does not fit the ticket's current state."""


class Forbidden(PermissionError):
    """The caller's role or identity does not allow this."""


@dataclass(frozen=True)
class Caller:
    """Who calls the API: a key that acts as the tenant (its own key: an owner; an issued owner or admin key), with
    no agent identity, or a human agent (its agent key, or the key of its sign-in, ``session_key_id``)."""

    tenant_id: str
    role: Role
    agent_id: str | None = None
    agent_name: str | None = None
    session_key_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(kind="human", id=self.agent_id or "tenant-admin")

    def require_admin(self) -> None:
        if self.role not in ("owner", "admin"):
            raise Forbidden("this needs an admin: the tenant API key or an agent key with role 'admin' or 'owner'")

    def require_owner(self) -> None:
        if self.role != "owner":
            raise Forbidden("this needs an owner: the tenant API key, an owner's key or an agent with role 'owner'")

    def require_agent(self) -> tuple[str, str]:
        if self.agent_id is None or self.agent_name is None:
            raise Forbidden("this needs a human agent's key (dpa_…): it is done in an agent's name")
        return self.agent_id, self.agent_name


class OnConversation(Protocol):
    """Anything that names a conversation of a tenant: a ticket, a claimed breach."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def conversation_id(self) -> str: ...


@dataclass(frozen=True)
class ConversationOf:
    tenant_id: str
    conversation_id: str


def _emit(
    uow: UnitOfWork, ticket: OnConversation, payload: EventPayload, actor: Actor, cause: Envelope | None = None
) -> None:
    uow.emit(
        Envelope.new(
            payload,
            tenant_id=ticket.tenant_id,
            conversation_id=ticket.conversation_id,
            actor=actor,
            caused_by=cause,
        )
    )


async def sla_targets(policies: SlaPolicyRepository, tenant_id: str) -> dict[str, tuple[int, int]]:
    """The targets in force for each priority: the tenant's own, else the defaults."""
    return {**DEFAULT_SLA, **await policies.overrides(tenant_id)}


async def set_sla_target(
    policies: SlaPolicyRepository, caller: Caller, priority: str, first_response_s: int, resolution_s: int
) -> None:
    """Set a priority's targets for tickets opened from now on."""
    caller.require_admin()
    await policies.put(caller.tenant_id, priority, first_response_s, resolution_s)


# --- agents ------------------------------------------------------------------------------------------------


async def create_agent(
    agents: AgentRepository, caller: Caller, name: str, email: str | None, role: Role, team: str | None
) -> tuple[AgentRow, str]:
    """A new human agent and its API key; only the key's digest is stored, the key is returned once. Only an owner
    makes another owner."""
    caller.require_admin()
    if role == "owner":
        caller.require_owner()
    api_key = AGENT_KEY_PREFIX + secrets.token_urlsafe(32)
    row = await agents.create(
        tenant_id=caller.tenant_id,
        agent_id=new_id("agt"),
        name=name,
        email=email,
        role=role,
        team=team,
        api_key_sha256=key_digest(api_key),
        api_key_prefix=api_key[:8],
    )
    return row, api_key


async def update_agent(agents: AgentRepository, caller: Caller, agent_id: str, changes: dict[str, Any]) -> AgentRow:
    """Admins change anything; an agent may change only its own availability."""
    own_availability = caller.agent_id == agent_id and set(changes) <= {"availability"}
    target = None if own_availability and changes else await agents.get(caller.tenant_id, agent_id)
    if not own_availability:
        caller.require_admin()
        if changes.get("role") == "owner" or (target is not None and target.role == "owner"):
            caller.require_owner()
    row = await agents.update(caller.tenant_id, agent_id, **changes) if changes else target
    if row is None:
        raise AgentNotFound(f"no agent {agent_id}")
    return row


# --- tickets -----------------------------------------------------------------------------------------------


async def _assign(
    uow: UnitOfWork, ticket: TicketRow, agent: AgentRow, method: AssignMethod, actor: Actor, cause: Envelope | None
) -> TicketRow:
    updated = await TicketRepository(uow.session).update(ticket.tenant_id, ticket.ticket_id, assignee=agent.agent_id)
    _emit(
        uow,
        ticket,
        HumanAssigned(
            ticket_id=ticket.ticket_id,
            agent_id=agent.agent_id,
            agent_name=agent.name,
            method=method,
            previous_agent_id=ticket.assignee,
        ),
        actor,
        cause,
    )
    return updated


async def open_ticket_for_handoff(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    """A handoff becomes one ticket (redeliveries change nothing), assigned round-robin if an agent is available."""
    event, handoff = recorded.event, recorded.event.payload
    assert isinstance(handoff, HandoffRequested)
    first = (handoff.summary or handoff.reason).strip()
    subject = first.splitlines()[0][:300] if first else "Handoff"
    summary = f"{handoff.reason}\n\n{handoff.summary}".strip()
    return await _open_ticket(uow, event, "handoff", subject, summary, handoff.priority)


async def may_concern_tickets(session: AsyncSession, recorded: RecordedEvent) -> bool:
    """Whether a customer message can change a ticket: an e-mail (it may open one) or a conversation with one."""
    event, message = recorded.event, recorded.event.payload
    assert isinstance(message, MessageReceived)
    assert event.conversation_id is not None
    return message.channel == "email" or await TicketRepository(session).has_ticket(
        event.tenant_id, event.conversation_id
    )


async def open_ticket_for_email(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    """The first e-mail of a conversation opens its ticket in the shared mailbox (later mails thread into it)."""
    event, mail = recorded.event, recorded.event.payload
    assert isinstance(mail, MessageReceived)
    assert event.conversation_id is not None
    if mail.channel != "email" or await TicketRepository(uow.session).has_ticket(
        event.tenant_id, event.conversation_id
    ):
        return False
    first = mail.text.strip()
    subject = first.splitlines()[0][:300] if first else "E-mail"
    return await _open_ticket(uow, event, "email", subject, first[:4000], "normal")


async def _open_ticket(
    uow: UnitOfWork,
    event: Envelope,
    source: Literal["handoff", "email"],
    subject: str,
    summary: str,
    priority: Priority,
) -> bool:
    assert event.conversation_id is not None
    first_response_s, resolution_s = (await sla_targets(SlaPolicyRepository(uow.session), event.tenant_id))[priority]
    ticket = await TicketRepository(uow.session).create(
        tenant_id=event.tenant_id,
        ticket_id=new_id("tkt"),
        conversation_id=event.conversation_id,
        source_event_id=event.id,
        source=source,
        subject=subject,
        summary=summary,
        priority=priority,
        status="open",
        first_response_seconds=first_response_s,
        resolution_seconds=resolution_s,
    )
    if ticket is None:
        return False
    created = TicketCreated(ticket_id=ticket.ticket_id, source=source, subject=subject, priority=priority)
    _emit(uow, ticket, created, ACTOR, event)
    agent = await AgentRepository(uow.session).next_in_rotation(event.tenant_id, ticket.team)
    if agent is not None:
        await _assign(uow, ticket, agent, "round_robin", ACTOR, event)
    return True


async def _ticket(uow: UnitOfWork, tenant_id: str, ticket_id: str) -> TicketRow:
    ticket = await TicketRepository(uow.session).get(tenant_id, ticket_id, for_update=True)
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    return ticket


async def assign(uow: UnitOfWork, caller: Caller, ticket_id: str, agent_id: str | None) -> TicketRow:
    """Assign to ``agent_id`` (admins: anyone; agents: themselves) or, with None, to the next available agent."""
    if agent_id is not None and agent_id != caller.agent_id:
        caller.require_admin()
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    if ticket.status == "resolved":
        raise Conflict(f"ticket {ticket_id} is resolved; reopen it first")
    agents = AgentRepository(uow.session)
    if agent_id is None:
        agent = await agents.next_in_rotation(caller.tenant_id, ticket.team)
        if agent is None:
            raise Conflict("no agent is available" + (f" in team {ticket.team}" if ticket.team else ""))
        method: AssignMethod = "round_robin"
    else:
        agent = await agents.get(caller.tenant_id, agent_id)
        if agent is None or not agent.active:
            raise AgentNotFound(f"no active agent {agent_id}")
        method = "manual"
    if agent.agent_id == ticket.assignee:
        return ticket
    return await _assign(uow, ticket, agent, method, caller.actor, None)


async def _change_status(
    uow: UnitOfWork, ticket: TicketRow, status: TicketStatus, actor: Actor, cause: Envelope | None
) -> TicketRow:
    previous = ticket.status
    updated = await TicketRepository(uow.session).set_status(ticket.tenant_id, ticket.ticket_id, status)
    _emit(uow, ticket, TicketStatusChanged(ticket_id=ticket.ticket_id, previous=previous, status=status), actor, cause)
    if status == "resolved":
        _emit(uow, ticket, ConversationResolved(by="human"), actor, cause)
        _emit(uow, ticket, CsatRequested(ticket_id=ticket.ticket_id), actor, cause)
    return updated


async def reply(uow: UnitOfWork, caller: Caller, ticket_id: str, text: str) -> tuple[TicketRow, str]:
    """A human reply to the customer: stops the first-response timer; an open ticket now waits for the customer.

    An unassigned ticket is taken by the agent who replies. Returns the ticket and the reply's message id.
    """
    agent_id, agent_name = caller.require_agent()
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    if ticket.status == "resolved":
        raise Conflict(f"ticket {ticket_id} is resolved; reopen it before replying")
    repo = TicketRepository(uow.session)
    if ticket.assignee is None:
        me = await AgentRepository(uow.session).get(caller.tenant_id, agent_id)
        assert me is not None
        ticket = await _assign(uow, ticket, me, "manual", caller.actor, None)
    message_id = new_id("msg")
    _emit(
        uow,
        ticket,
        HumanReplied(ticket_id=ticket_id, message_id=message_id, agent_id=agent_id, agent_name=agent_name, text=text),
        caller.actor,
    )
    ticket = await repo.record_first_response(caller.tenant_id, ticket_id)
    if ticket.status == "open":
        ticket = await _change_status(uow, ticket, "pending", caller.actor, None)
    return ticket, message_id


async def hand_back(uow: UnitOfWork, caller: Caller, ticket_id: str, note: str) -> TicketRow:
    """Give the conversation back to the AI: it answers the customer's next message, the human's replies in context.

    The ticket stays as it is (pending, assigned), so the team keeps its history and SLA record.
    """
    agent_id, _ = caller.require_agent()
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    if ticket.status == "resolved":
        raise Conflict(f"ticket {ticket_id} is resolved; the AI already answers new messages")
    _emit(uow, ticket, ConversationHandedBack(ticket_id=ticket_id, agent_id=agent_id, note=note), caller.actor)
    return ticket


async def add_note(uow: UnitOfWork, caller: Caller, ticket_id: str, text: str) -> NoteRow:
    """An internal note: stored with the ticket and announced tenant-wide, never on the conversation's log."""
    agent_id, _ = caller.require_agent()
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    note = await TicketRepository(uow.session).add_note(
        tenant_id=caller.tenant_id, note_id=new_id("note"), ticket_id=ticket_id, agent_id=agent_id, text=text
    )
    uow.emit(
        Envelope.new(
            TicketNoteAdded(
                ticket_id=ticket_id,
                conversation_id=ticket.conversation_id,
                note_id=note.note_id,
                agent_id=agent_id,
                text=text,
            ),
            tenant_id=caller.tenant_id,
            actor=caller.actor,
        )
    )
    return note


async def change_status(uow: UnitOfWork, caller: Caller, ticket_id: str, status: TicketStatus) -> TicketRow:
    """Move a ticket; resolving it resolves the conversation (``by="human"``) and asks the customer for CSAT."""
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    if ticket.status == status:
        return ticket
    return await _change_status(uow, ticket, status, caller.actor, None)


async def update_ticket(uow: UnitOfWork, caller: Caller, ticket_id: str, changes: dict[str, Any]) -> TicketRow:
    """Change priority, team or tags; a new priority re-targets the timers that are still running."""
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    repo = TicketRepository(uow.session)
    if changes:
        ticket = await repo.update(caller.tenant_id, ticket_id, **changes)
    if "priority" in changes:
        targets = await sla_targets(SlaPolicyRepository(uow.session), caller.tenant_id)
        ticket = await repo.reset_due_times(caller.tenant_id, ticket_id, *targets[changes["priority"]])
    return ticket


async def record_csat(uow: UnitOfWork, caller: Caller, ticket_id: str, score: int, comment: str | None) -> TicketRow:
    """The customer's rating of a resolved ticket, once; recorded as ``csat.recorded`` on the conversation."""
    if caller.agent_id is not None:
        raise Forbidden("the customer rates a ticket, not an agent: use the tenant's key (or the conversation API)")
    ticket = await _ticket(uow, caller.tenant_id, ticket_id)
    if not await TicketRepository(uow.session).record_csat(caller.tenant_id, ticket_id, score, comment):
        if ticket.status != "resolved":
            raise Conflict(f"ticket {ticket_id} is not resolved; CSAT is asked after resolution")
        raise Conflict(f"ticket {ticket_id} was already rated")
    _emit(
        uow,
        ticket,
        CsatRecorded(ticket_id=ticket_id, score=score, comment=comment),
        Actor(kind="customer", id="anonymous"),
    )
    return await TicketRepository(uow.session).get(caller.tenant_id, ticket_id) or ticket


async def customer_answered(uow: UnitOfWork, recorded: RecordedEvent) -> int:
    """A customer message on a conversation whose tickets wait for the customer puts them back in the inbox."""
    event = recorded.event
    assert event.conversation_id is not None
    moved = await TicketRepository(uow.session).pending_to_open(event.tenant_id, event.conversation_id)
    actor = Actor(kind="customer", id=event.actor.id)
    for ticket_id in moved:
        conversation = ConversationOf(event.tenant_id, event.conversation_id)
        _emit(
            uow, conversation, TicketStatusChanged(ticket_id=ticket_id, previous="pending", status="open"), actor, event
        )
    return len(moved)
