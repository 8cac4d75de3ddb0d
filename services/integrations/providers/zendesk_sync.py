"""Zendesk ticket sync, both ways.

Zendesk ticket webhooks (event-type payloads, see below) keep our copy of each ticket in step
(``integrations.external_tickets``, newest change wins, out-of-order deliveries never roll it back). For a ticket
linked to a conversation, each change becomes ``external_ticket.updated`` on that conversation, and a public
comment by a Zendesk agent becomes ``human.replied``, so the customer gets it on their channel. Comments we
posted ourselves are recognised by digest and not echoed back. The other way, the customer's later messages on a
linked conversation are added to its open Zendesk ticket as internal notes ("Customer wrote: …"), so Zendesk agents
see them (at least once: a crash between the call and our commit can add a note twice).
The payload parsed is Zendesk's ticket event schema (also what a trigger's JSON body should produce)::

    {"type": "zen:event-type:ticket.status_changed", "id": "<uuid>", "time": "2026-11-24T12:00:00Z",
     "subject": "zen:ticket:123",
     "detail": {"id": "123", "subject": "…", "status": "SOLVED", "priority": "HIGH", "updated_at": "…"},
     "event": {"current": "SOLVED", "previous": "OPEN"}}

``ticket.comment_added`` carries ``event.comment``: ``{"id", "body", "is_public", "author": {"id", "is_staff",
"name"}}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import (
    Actor,
    Envelope,
    ExternalTicketUpdated,
    HumanReplied,
    MessageReceived,
    PoisonEvent,
    Priority,
    RecordedEvent,
    ToolsPublished,
    WebhookReceived,
    new_id,
)
from libs.platform.outbox import UnitOfWork
from libs.platform.row_security import SYSTEM, tenant_scope
from services.integrations.manifest import SERVICE, builtin_manifests
from services.integrations.oauth.api import call_api
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.providers.zendesk import (
    PROVIDER,
    SYNC_ACTOR,
    check_ticket,
    comment_digest,
    parse_time,
    priority_of,
)
from services.integrations.repository import (
    BookkeepingRepository,
    ConnectionRepository,
    ExternalTicketRepository,
    TicketState,
)

EVENT_PREFIX = "zen:event-type:ticket."
CHANGES = frozenset({"created", "status_changed", "priority_changed", "comment_added"})  # others: "updated"


@dataclass(frozen=True)
class ZendeskTicketChange:
    """One Zendesk ticket event, as much of it as sync needs."""

    ticket_id: str
    change: str
    occurred_at: datetime
    subject: str | None
    status: str | None
    priority: Priority | None
    comment: dict[str, Any] | None


class MalformedTicketEvent(PoisonEvent):
    """A ticket event without the ticket's id: it can never be applied, so it is dead-lettered at once."""


def parse_ticket_event(payload: dict[str, Any], received_at: datetime) -> ZendeskTicketChange | None:
    """The ticket change in a verified Zendesk delivery; None for a delivery that is not about a ticket."""
    kind = str(payload.get("type", ""))
    if not kind.startswith(EVENT_PREFIX):
        return None
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    assert isinstance(detail, dict)
    ticket_id = str(detail.get("id") or "").strip()
    if not ticket_id.isdigit():
        raise MalformedTicketEvent(f"{kind} without a ticket id in detail.id")
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    assert isinstance(event, dict)
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else None
    return ZendeskTicketChange(
        ticket_id=ticket_id,
        change=suffix if (suffix := kind.removeprefix(EVENT_PREFIX)) in CHANGES else "updated",
        occurred_at=parse_time(payload.get("time")) or parse_time(detail.get("updated_at")) or received_at,
        subject=str(detail["subject"])[:300] if detail.get("subject") else None,
        status=str(detail["status"]).lower()[:32] if detail.get("status") else None,
        priority=priority_of(detail.get("priority")),
        comment=comment,
    )


async def sync_from_webhook(uow: UnitOfWork, recorded: RecordedEvent) -> None:
    """Apply one verified Zendesk delivery to our copy of the ticket; tell its linked conversation (see above)."""
    event, delivery = recorded.event, recorded.event.payload
    assert isinstance(delivery, WebhookReceived)
    if delivery.provider != PROVIDER:
        return
    change = parse_ticket_event(delivery.payload, event.occurred_at)
    once = BookkeepingRepository(uow.session)
    # Zendesk's own event id (signed) identifies the change, whichever delivery or webhook brought it.
    change_key = f"zd:{str(delivery.payload.get('id') or event.id)[:60]}"
    if change is None or not await once.first_processing(event.tenant_id, change_key):
        return
    state = TicketState(subject=change.subject, status=change.status, priority=change.priority)
    row, applied = await ExternalTicketRepository(uow.session).sync(
        event.tenant_id, PROVIDER, change.ticket_id, state, occurred_at=change.occurred_at
    )
    conversation_id = row.conversation_id
    if conversation_id is None:
        return  # not linked to a conversation: kept for the sync view only

    def emit(payload: ExternalTicketUpdated | HumanReplied, actor: Actor) -> None:
        uow.emit(Envelope.new(payload, tenant_id=event.tenant_id, conversation_id=conversation_id, actor=actor,
                              caused_by=event))  # fmt: skip

    comment = change.comment
    if change.change == "comment_added" and comment is not None:
        author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
        assert isinstance(author, dict)
        body = str(comment.get("body") or "")
        ours = comment_digest(body) in row.own_comments
        comment_key = f"zdc:{change.ticket_id}:{str(comment.get('id') or '')[:40]}"
        first = not comment.get("id") or await once.first_processing(event.tenant_id, comment_key)
        if body and comment.get("is_public") and author.get("is_staff") and not ours and first:
            agent_id = f"zendesk:{author.get('id', 'unknown')}"
            reply = HumanReplied(
                ticket_id=f"zendesk:{change.ticket_id}", message_id=new_id("msg"), agent_id=agent_id,
                agent_name=str(author.get("name") or "Support")[:200], text=body,
            )  # fmt: skip
            emit(reply, Actor(kind="human", id=agent_id))
    elif not applied or change.change == "created":
        return  # an older change than the one we have, or a create (the AI's link announced its own)
    emit(
        ExternalTicketUpdated(
            provider=PROVIDER, external_id=change.ticket_id, change=cast(Any, change.change),
            status=row.status, priority=priority_of(row.priority), subject=row.subject,
            occurred_at=change.occurred_at,
        ),
        SYNC_ACTOR,
    )  # fmt: skip


CLOSED = frozenset({"solved", "closed"})


class ZendeskTenants:
    """The tenants whose customers' messages the mirror looks at: those that connected Zendesk (decision 0058).

    Known without a statement per message: read when the mirror's consumer starts in this replica (at start-up, or
    taking over from another), then kept from integrations' catalogs (``tools.published``), which that consumer
    reads in log order with the messages. A tenant's first connection commits before its catalog is published, and
    the agent calls a Zendesk tool (the only way a ticket gets linked) only after it has read that catalog: so a
    message that can have a linked ticket comes after that catalog in the log, or the start's read saw the
    connection. Tenants are never taken out while the consumer runs, nor left out of the read for a connection no
    longer active: a batch handled again, event by event, never finds a tenant gone, and a tenant reconnecting is
    known before its new catalog is published. The mirror itself skips a connection that is not active."""

    def __init__(self) -> None:
        self._tenants: set[str] = set()

    async def load(self, reads: Callable[[], AbstractAsyncContextManager[AsyncSession]]) -> None:
        with tenant_scope(SYSTEM):
            async with reads() as session:
                self._tenants = await ConnectionRepository(session).tenants_with(PROVIDER)

    def messages_to_mirror(self, batch: list[RecordedEvent]) -> list[RecordedEvent]:
        """The customers' messages in ``batch`` from tenants with Zendesk, as of each one's place in the log."""
        messages = []
        for recorded in batch:
            event, payload = recorded.event, recorded.event.payload
            if isinstance(payload, ToolsPublished):
                if payload.service == SERVICE and any(tool.integration == PROVIDER for tool in payload.tools):
                    self._tenants.add(event.tenant_id)
            elif isinstance(payload, MessageReceived) and event.conversation_id and event.tenant_id in self._tenants:
                messages.append(recorded)
        return messages


async def linked_conversations(
    reads: Callable[[], AbstractAsyncContextManager[AsyncSession]], batch: list[RecordedEvent]
) -> set[tuple[str, str]]:
    """The ``(tenant_id, conversation_id)`` of ``batch`` with a Zendesk ticket linked: only their messages need
    :func:`mirror_customer_message`; one read for the whole batch instead of one per message (none for none)."""
    wrote = {(r.event.tenant_id, r.event.conversation_id) for r in batch if r.event.conversation_id is not None}
    if not wrote:
        return set()
    async with reads() as session:
        return await ExternalTicketRepository(session).linked(PROVIDER, wrote)


async def mirror_customer_message(
    unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
    reads: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    recorded: RecordedEvent,
    oauth: OAuthConnections,
) -> None:
    """Add a customer's message on a linked conversation to its open Zendesk tickets, as an internal note.

    Each ticket commits on its own, so a failure on one (retried by the consumer) never re-posts to another; a
    ticket Zendesk no longer has (404) counts as done."""
    event, message = recorded.event, recorded.event.payload
    assert isinstance(message, MessageReceived)
    if event.conversation_id is None:
        return
    # Every customer message of every tenant comes here: the look-up is one read, no transaction (most
    # conversations have no linked ticket).
    async with reads() as session:
        linked = await ExternalTicketRepository(session).of_provider(
            event.tenant_id, PROVIDER, event.conversation_id, 10
        )
        open_tickets = [t.external_id for t in linked if t.status not in CLOSED]
        connection = await ConnectionRepository(session).get(event.tenant_id, PROVIDER) if open_tickets else None
    if connection is None or not connection.active:
        return
    manifest, params = builtin_manifests()[PROVIDER], connection.params
    note = f"Customer wrote ({message.channel}):\n\n{message.text}"
    for ticket_id in open_tickets:
        key = "zdm:" + hashlib.sha256(f"{event.id}:{ticket_id}".encode()).hexdigest()[:56]
        async with unit_of_work() as uow:
            if not await BookkeepingRepository(uow.session).first_processing(event.tenant_id, key):
                continue
            response = await call_api(
                oauth, uow.session, event.tenant_id, manifest, params, "PUT", f"/api/v2/tickets/{ticket_id}.json",
                json={"ticket": {"comment": {"body": note, "public": False}}},
            )  # fmt: skip
            if response.status_code == 404:
                continue  # deleted at Zendesk: nothing to add the note to
            check_ticket(response, f"ticket {ticket_id}")  # any other failure raises: retried, then dead-lettered
            digest = comment_digest(note)
            await ExternalTicketRepository(uow.session).remember_own_comment(
                event.tenant_id, PROVIDER, ticket_id, digest
            )
