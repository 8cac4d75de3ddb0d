"""Zendesk tools over the Support Tickets API, with the tenant's OAuth access token (rotating refresh tokens)."""

from __future__ import annotations

from typing import Any

import httpx2

from services.integrations.demo_store import ToolError
from services.integrations.manifest import Manifest
from services.integrations.oauth import OAuthConnections
from services.integrations.remote import call_api
from services.integrations.repository import IntegrationsRepository


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


async def execute(
    oauth: OAuthConnections,
    repo: IntegrationsRepository,
    tenant_id: str,
    manifest: Manifest,
    connection: dict[str, Any],
    tool: str,
    args: dict[str, Any],
) -> dict[str, Any]:
    params = connection.get("params") or {}
    if tool == "zendesk_get_ticket":
        ticket_id = int(args["ticket_id"])
        response = await call_api(oauth, repo, tenant_id, manifest, params, "GET", f"/api/v2/tickets/{ticket_id}.json")
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
            oauth, repo, tenant_id, manifest, params, "POST", "/api/v2/tickets.json", json={"ticket": ticket}
        )
        view = _ticket_view(_check(response, "ticket"))
        return {**view, "summary": f"Opened Zendesk ticket #{view['id']}: {view['subject']}."}
    if tool == "zendesk_update_ticket":
        ticket_id = int(args["ticket_id"])
        changes: dict[str, Any] = {k: args[k] for k in ("status", "priority") if k in args}
        if "comment" in args:
            changes["comment"] = {"body": args["comment"], "public": bool(args.get("public", False))}
        if not changes:
            raise ToolError("invalid_arguments", "give a status, a priority or a comment to change")
        response = await call_api(
            oauth, repo, tenant_id, manifest, params, "PUT", f"/api/v2/tickets/{ticket_id}.json",
            json={"ticket": changes},
        )  # fmt: skip
        view = _ticket_view(_check(response, f"ticket {ticket_id}"))
        return {**view, "summary": f"Updated Zendesk ticket #{ticket_id}: {', '.join(sorted(changes))}."}
    raise ToolError("unknown_tool", f"{tool} has no handler")
