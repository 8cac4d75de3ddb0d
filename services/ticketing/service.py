"""Ticketing domain logic: a handoff becomes a ticket carrying the AI's reason, summary and priority."""

from __future__ import annotations

from libs.events import Actor, Envelope, HandoffRequested, RecordedEvent, TicketCreated, new_id
from libs.platform.outbox import UnitOfWork
from services.ticketing.repository import TicketRepository

ACTOR = Actor(kind="system", id="ticketing")


async def open_ticket_for_handoff(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    event, handoff = recorded.event, recorded.event.payload
    assert isinstance(handoff, HandoffRequested)
    assert event.conversation_id is not None
    ticket_id = new_id("tkt")
    subject = (
        (handoff.summary or handoff.reason).strip().splitlines()[0][:300]
        if (handoff.summary or handoff.reason)
        else "Handoff"
    )
    created = await TicketRepository(uow.session).create(
        tenant_id=event.tenant_id,
        ticket_id=ticket_id,
        conversation_id=event.conversation_id,
        source_event_id=event.id,
        source="handoff",
        subject=subject,
        summary=f"{handoff.reason}\n\n{handoff.summary}".strip(),
        priority=handoff.priority,
        status="open",
    )
    if created:
        uow.emit(
            Envelope.new(
                TicketCreated(ticket_id=ticket_id, source="handoff", subject=subject, priority=handoff.priority),
                tenant_id=event.tenant_id,
                conversation_id=event.conversation_id,
                actor=ACTOR,
                caused_by=event,
            )
        )
    return created
