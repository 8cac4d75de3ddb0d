"""Tickets."""

from __future__ import annotations

from typing import ClassVar, Literal

from libs.events.catalog.base import EventPayload, Priority


class TicketCreated(EventPayload):
    """A ticket was opened for the conversation (from a handoff or an email)."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["ticket.created"] = "ticket.created"
    ticket_id: str
    source: Literal["handoff", "email"]
    subject: str
    priority: Priority
