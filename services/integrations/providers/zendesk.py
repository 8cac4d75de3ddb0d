"""Zendesk ticket tools over the Support Tickets API, with the tenant's OAuth token.

Creates carry an ``Idempotency-Key`` derived from the tool call, so a create repeated after a crash is answered by
Zendesk's replay (``x-idempotency-lookup: hit``), never by a second ticket. A ticket the AI opens is linked to its
conversation (``external_ticket.updated`` with ``change: created``); keeping it in step afterwards is
``zendesk_sync``'s job.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast, get_args

import httpx2

from libs.events import Actor, Envelope, ExternalTicketUpdated, Priority
from services.integrations.errors import ToolError
from services.integrations.oauth.api import call_api
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.repository import ExternalTicketRepository, TicketState
from services.integrations.tools.call import ToolCall


def check_ticket(response: httpx2.Response, what: str) -> dict[str, Any]:
    """The ticket in Zendesk's answer, or the typed failure it amounts to."""
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
        view = _ticket_view(check_ticket(response, f"ticket {ticket_id}"))
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
        created = check_ticket(response, "ticket")
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
        view = _ticket_view(check_ticket(response, f"ticket {ticket_id}"))
        if "comment" in args:  # after the call: the row lock it takes is then held only until our commit
            digest = comment_digest(args["comment"])
            await ExternalTicketRepository(session).remember_own_comment(tenant_id, PROVIDER, str(ticket_id), digest)
        return {**view, "summary": f"Updated Zendesk ticket #{ticket_id}: {', '.join(sorted(changes))}."}
    raise ToolError("unknown_tool", f"{tool} has no handler")


PROVIDER = "zendesk"
SYNC_ACTOR = Actor(kind="system", id="zendesk-sync")
PRIORITIES: tuple[str, ...] = get_args(Priority)


def comment_digest(body: str) -> str:
    return hashlib.sha256(" ".join(body.split()).encode()).hexdigest()


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def priority_of(value: Any) -> Priority | None:
    lowered = str(value).lower() if value else None
    return cast(Priority, lowered) if lowered in PRIORITIES else None


async def _link(call: ToolCall, ticket: dict[str, Any]) -> None:
    """The AI opened this ticket for its conversation: link them, and tell the conversation."""
    assert call.event.conversation_id is not None
    occurred = parse_time(ticket.get("updated_at")) or call.event.occurred_at
    body = str((call.request.arguments or {}).get("body") or "")
    tickets = ExternalTicketRepository(call.session)
    await tickets.remember_own_comment(call.tenant_id, PROVIDER, str(ticket["id"]), comment_digest(body))
    state = TicketState(
        subject=str(ticket.get("subject") or "")[:300] or None,
        status=str(ticket.get("status") or "").lower() or None,
        priority=priority_of(ticket.get("priority")),
    )
    await tickets.sync(
        call.tenant_id, PROVIDER, str(ticket["id"]), state, occurred_at=occurred,
        conversation_id=call.event.conversation_id,
    )  # fmt: skip
    update = ExternalTicketUpdated(
        provider=PROVIDER, external_id=str(ticket["id"]), change="created",
        status=str(ticket.get("status") or "").lower() or None, priority=priority_of(ticket.get("priority")),
        subject=ticket.get("subject"), occurred_at=occurred,
    )  # fmt: skip
    call.uow.emit(
        Envelope.new(
            update, tenant_id=call.tenant_id, conversation_id=call.event.conversation_id, actor=SYNC_ACTOR,
            caused_by=call.event,
        )
    )  # fmt: skip
