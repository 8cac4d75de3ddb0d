"""Human agents and their tickets: assignment, replies, internal notes, status, SLA breaches, satisfaction."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Scope

TicketStatus = Literal["open", "pending", "resolved"]
SlaKind = Literal["first_response", "resolution"]


class HumanAssigned(EventPayload):
    """A human agent was assigned the conversation's ticket (round-robin or by hand); the agent now owns the reply."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["human.assigned"] = "human.assigned"
    ticket_id: str
    agent_id: str
    agent_name: str = Field(description="display name to show the customer, e.g. 'Alice joined the conversation'")
    method: Literal["round_robin", "manual"]
    previous_agent_id: str | None = None


class HumanReplied(EventPayload):
    """A human agent replied to the customer; the conversation service delivers ``text`` on its channel."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing", "integrations")
    type: Literal["human.replied"] = "human.replied"
    ticket_id: str
    message_id: str
    agent_id: str
    agent_name: str
    text: str


class TicketNoteAdded(EventPayload):
    """An agent added an internal note to a ticket; tenant-wide, never on a conversation log or to a customer."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["ticket.note_added"] = "ticket.note_added"
    ticket_id: str
    conversation_id: str
    note_id: str
    agent_id: str
    text: str


class TicketStatusChanged(EventPayload):
    """A ticket moved between ``open``, ``pending`` (waiting for the customer) and ``resolved``."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["ticket.status_changed"] = "ticket.status_changed"
    ticket_id: str
    previous: TicketStatus
    status: TicketStatus


class SlaBreached(EventPayload):
    """A ticket missed its first-response or resolution target; emitted exactly once per ticket and kind."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["sla.breached"] = "sla.breached"
    ticket_id: str
    kind: SlaKind
    priority: str
    due_at: str = Field(description="when the target fell due (ISO 8601, UTC)")
    assignee: str | None = Field(default=None, description="agent id assigned when it was breached")


class CsatRequested(EventPayload):
    """The ticket was resolved; the conversation service asks the customer for a 1-5 satisfaction score."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["csat.requested"] = "csat.requested"
    ticket_id: str


class CsatRecorded(EventPayload):
    """The customer rated the resolved ticket from 1 (bad) to 5 (great), optionally with a comment."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation", "ticketing")
    type: Literal["csat.recorded"] = "csat.recorded"
    ticket_id: str
    score: int = Field(ge=1, le=5)
    comment: str | None = None


class ConversationHandedBack(EventPayload):
    """A human handed the conversation back to the AI, which answers the customer's next message (with the
    human's replies in its context)."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["conversation.handed_back"] = "conversation.handed_back"
    ticket_id: str
    agent_id: str
    note: str = ""
