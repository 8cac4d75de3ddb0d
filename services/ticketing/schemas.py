"""Response models of the ticketing API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Ticket(BaseModel):
    ticket_id: str
    conversation_id: str
    source: str
    subject: str
    summary: str
    priority: str
    status: str
    assignee: str | None
    created_at: datetime


class TicketList(BaseModel):
    items: list[Ticket]
