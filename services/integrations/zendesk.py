"""Zendesk: ticket tools over the Support Tickets API with the tenant's OAuth token, and ticket sync.

Creates carry an ``Idempotency-Key`` derived from the tool call, so a create repeated after a crash is answered by
Zendesk's replay (``x-idempotency-lookup: hit``), never by a second ticket. A ticket the AI opens is linked to its
conversation (``external_ticket.updated`` with ``change: created``).

Sync: Zendesk ticket webhooks (event-type payloads, see below) keep our copy of each ticket in step
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
from typing import Any, cast, get_args

import httpx2

from libs.events import (
    Actor,
    Envelope,
    ExternalTicketUpdated,
    HumanReplied,
    MessageReceived,
    PoisonEvent,
    Priority,
    RecordedEvent,
    WebhookReceived,
    new_id,
)
from libs.platform.outbox import UnitOfWork
from services.integrations.errors import ToolError
from services.integrations.manifest import builtin_manifests
from services.integrations.oauth import OAuthConnections
from services.integrations.remote import ToolCall, call_api
from services.integrations.repository import (
    BookkeepingRepository,
    ConnectionRepository,
    ExternalTicketRepository,
    TicketState,
)


def _check(response: httpx2.Response, what: str) -> dict[str, Any]:
    if response.status_code == 404:
        raise ToolError("not_found", f"there is no Zendesk {what}")
    if response.status_code == 429 or response.status_code >= 500:
        wait = response.headers.get("retry-after")
        hint = f" (retry after {wait}s)" if wait else ""
        raise ToolError("transient", f"Zendesk answered {response.status_code}{hint}; try again shortly")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict):
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("description") or body.get("error") or "")
        raise ToolError("permanent", f"Zendesk refused the request ({response.status_code}): {detail}"[:500])
    ticket = body.get("ticket")
    if not isinstance(ticket, dict):
        raise ToolError("permanent", "Zendesk answered without a ticket")
    return ticket


def _ticket_view(ticket: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "subject", "status", "priority", "requester_id", "created_at", "updated_at")
    return {k: ticket.get(k) for k in keys}


async def execute(oauth: OAuthConnections, call: ToolCall) -> dict[str, Any]:
    tool, args, params = call.request.tool, call.request.arguments, call.params
    session, tenant_id, manifest = call.session, call.tenant_id, call.manifest
    if tool == "zendesk_get_ticket":
        ticket_id = int(args["ticket_id"])
        response = await call_api(
            oauth,
            session,
            tenant_id,
            manifest,
            params,
            "GET",
            f"/api/v2/tickets/{ticket_id}.json",
            before_send=call.before_send,
        )
        view = _ticket_view(_check(response, f"ticket {ticket_id}"))
        return {**view, "summary": f"Zendesk ticket #{ticket_id} ({view['status']}): {view['subject']}."}
    if tool == "zendesk_create_ticket":
        ticket: dict[str, Any] = {"subject": args["subject"], "comment": {"body": args["body"]}}
        if "priority" in args:
            ticket["priority"] = args["priority"]
        if "requester_email" in args:
            requester = {"email": args["requester_email"]}
            if "requester_name" in args:
                requester["name"] = args["requester_name"]
            ticket["requester"] = requester
        response = await call_api(
            oauth, session, tenant_id, manifest, params, "POST", "/api/v2/tickets.json", before_send=call.before_send,
            json={"ticket": ticket}, headers={"Idempotency-Key": call.idempotency_key("create_ticket")},
        )  # fmt: skip
        created = _check(response, "ticket")
        view = _ticket_view(created)
        await _link(call, created)
        replayed = response.headers.get("x-idempotency-lookup") == "hit"
        return {**view, "replayed": replayed, "summary": f"Opened Zendesk ticket #{view['id']}: {view['subject']}."}
    if tool == "zendesk_update_ticket":
        ticket_id = int(args["ticket_id"])
        changes: dict[str, Any] = {k: args[k] for k in ("status", "priority") if k in args}
        if "comment" in args:
            changes["comment"] = {"body": args["comment"], "public": bool(args.get("public", False))}
        if not changes:
            raise ToolError("invalid_arguments", "give a status, a priority or a comment to change")
        response = await call_api(
            oauth, session, tenant_id, manifest, params, "PUT", f"/api/v2/tickets/{ticket_id}.json",
            before_send=call.before_send,
            json={"ticket": changes},
        )  # fmt: skip
        view = _ticket_view(_check(response, f"ticket {ticket_id}"))
        if "comment" in args:  # after the call: the row lock it takes is then held only until our commit
            digest = comment_digest(args["comment"])
            await ExternalTicketRepository(session).remember_own_comment(tenant_id, PROVIDER, str(ticket_id), digest)
        return {**view, "summary": f"Updated Zendesk ticket #{ticket_id}: {', '.join(sorted(changes))}."}
    raise ToolError("unknown_tool", f"{tool} has no handler")


PROVIDER = "zendesk"
SYNC_ACTOR = Actor(kind="system", id="zendesk-sync")
PRIORITIES: tuple[str, ...] = get_args(Priority)
EVENT_PREFIX = "zen:event-type:ticket."
CHANGES = frozenset({"created", "status_changed", "priority_changed", "comment_added"})  # others: "updated"


def comment_digest(body: str) -> str:
    return hashlib.sha256(" ".join(body.split()).encode()).hexdigest()


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _priority(value: Any) -> Priority | None:
    lowered = str(value).lower() if value else None
    return cast(Priority, lowered) if lowered in PRIORITIES else None


async def _link(call: ToolCall, ticket: dict[str, Any]) -> None:
    """The AI opened this ticket for its conversation: link them, and tell the conversation."""
    assert call.event.conversation_id is not None
    occurred = _time(ticket.get("updated_at")) or call.event.occurred_at
    body = str((call.request.arguments or {}).get("body") or "")
    tickets = ExternalTicketRepository(call.session)
    await tickets.remember_own_comment(call.tenant_id, PROVIDER, str(ticket["id"]), comment_digest(body))
    state = TicketState(
        subject=str(ticket.get("subject") or "")[:300] or None,
        status=str(ticket.get("status") or "").lower() or None,
        priority=_priority(ticket.get("priority")),
    )
    await tickets.sync(
        call.tenant_id, PROVIDER, str(ticket["id"]), state, occurred_at=occurred,
        conversation_id=call.event.conversation_id,
    )  # fmt: skip
    update = ExternalTicketUpdated(
        provider=PROVIDER, external_id=str(ticket["id"]), change="created",
        status=str(ticket.get("status") or "").lower() or None, priority=_priority(ticket.get("priority")),
        subject=ticket.get("subject"), occurred_at=occurred,
    )  # fmt: skip
    call.uow.emit(
        Envelope.new(
            update, tenant_id=call.tenant_id, conversation_id=call.event.conversation_id, actor=SYNC_ACTOR,
            caused_by=call.event,
        )
    )  # fmt: skip


@dataclass(frozen=True)
class TicketChange:
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


def parse_ticket_event(payload: dict[str, Any], received_at: datetime) -> TicketChange | None:
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
    return TicketChange(
        ticket_id=ticket_id,
        change=suffix if (suffix := kind.removeprefix(EVENT_PREFIX)) in CHANGES else "updated",
        occurred_at=_time(payload.get("time")) or _time(detail.get("updated_at")) or received_at,
        subject=str(detail["subject"])[:300] if detail.get("subject") else None,
        status=str(detail["status"]).lower()[:32] if detail.get("status") else None,
        priority=_priority(detail.get("priority")),
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
            status=row.status, priority=_priority(row.priority), subject=row.subject,
            occurred_at=change.occurred_at,
        ),
        SYNC_ACTOR,
    )  # fmt: skip


CLOSED = frozenset({"solved", "closed"})


async def mirror_customer_message(
    unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
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
    async with unit_of_work() as uow:
        linked = await ExternalTicketRepository(uow.session).of_provider(
            event.tenant_id, PROVIDER, event.conversation_id, 10
        )
        open_tickets = [t.external_id for t in linked if t.status not in CLOSED]
        connection = await ConnectionRepository(uow.session).get(event.tenant_id, PROVIDER) if open_tickets else None
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
            _check(response, f"ticket {ticket_id}")  # any other failure raises: retried, then dead-lettered
            digest = comment_digest(note)
            await ExternalTicketRepository(uow.session).remember_own_comment(
                event.tenant_id, PROVIDER, ticket_id, digest
            )
