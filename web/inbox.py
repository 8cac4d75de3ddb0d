"""The inbox of human agents: the queue of handoffs and tickets (live), a conversation with everything the AI did,
and what a person does with it — take over, reply, note, hand back, resolve, approve or reject an action.

Every read and every change is a call to the public API with the signed-in person's key; forms post here with
the session's CSRF token and come back to the page they were sent from (post/redirect/get).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage

from web.api import ApiError, PublicApi
from web.auth import SessionApi, act, checked_form, layout, signed_in
from web.pages import page
from web.sessions import Session, SessionStore
from web.transcript import transcript

Api = NamedDependency[PublicApi]
Store = NamedDependency[SessionStore]
VIEWS = ("all", "mine", "unassigned", "breaching")
STATUSES = ("unresolved", "open", "pending", "resolved", "all")
PRIORITIES = ("", "urgent", "high", "normal", "low")
HUMAN_HAS_IT = frozenset({"waiting_human", "with_human"})
"""The conversation API's ``status`` values in which a person, not the AI, answers the customer."""


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def sla_of(ticket: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The SLA target that runs now (first response until answered, then resolution) and whether it is missed."""
    sla = ticket["sla"]
    if ticket["status"] == "resolved":
        return {"label": "met" if not sla["resolution_breached_at"] else "breached", "due": None, "breached": False}
    if sla["first_responded_at"] is None:
        kind, due, marked = "first response", sla["first_response_due_at"], sla["first_response_breached_at"]
    else:
        kind, due, marked = "resolution", sla["resolution_due_at"], sla["resolution_breached_at"]
    due_at = _parse(due)
    breached = bool(marked) or (due_at is not None and due_at <= now)
    return {"label": kind, "due": due, "breached": breached, "text": countdown(due_at, now)}


def countdown(due: datetime | None, now: datetime) -> str:
    """ "12m left" / "breached 3m ago", as the page's script keeps it up to date."""
    if due is None:
        return ""
    seconds = int((due - now).total_seconds())
    span = abs(seconds)
    words = f"{span // 3600}h {span % 3600 // 60}m" if span >= 3600 else f"{span // 60}m {span % 60}s"
    return f"{words} left" if seconds > 0 else f"breached {words} ago"


async def queue_rows(user: SessionApi, query: dict[str, str]) -> list[dict[str, Any]]:
    status = query.get("status") or "unresolved"
    params: dict[str, Any] = {
        "view": query.get("view") or "all",
        "status": status if status in ("open", "pending", "resolved") else None,
        "priority": query.get("priority") or None,
        "limit": 200,
    }
    tickets = (await user.get("/v1/tickets", params=params))["items"]
    agents = {a["agent_id"]: a["name"] for a in (await user.get("/v1/tickets/agents"))["items"]}
    now = datetime.now(UTC)
    rows = []
    for t in tickets:
        if status == "unresolved" and t["status"] == "resolved":
            continue
        rows.append(t | {"assignee_name": agents.get(t["assignee"] or "", ""), "sla_state": sla_of(t, now)})
    return rows


def ticket_actions(ticket: dict[str, Any], me: str, conversation_status: str) -> dict[str, Any]:
    """What the signed-in person can usefully do with the ticket now: take it over (unless it is already theirs,
    naming the colleague who has it), hand it back to the AI (theirs or nobody's, while a person has it), resolve
    it; and a line saying where it stands. The API has no "release" (unassign): the assignee hands back. Whether a
    person has the conversation is the ``status`` the conversation API answers (its state machine, not a copy)."""
    with_human = conversation_status in HUMAN_HAS_IT
    if ticket["status"] == "resolved":
        return {"take": None, "hand_back": False, "resolve": False, "state": "Resolved: nothing to do."}
    mine = ticket["assignee"] == me
    if mine:
        take = None
        state = "You are handling this conversation." if with_human else (
            "The AI answers this conversation again; your next reply takes it back.")  # fmt: skip
    elif ticket["assignee"]:
        take, state = f"Take over from {ticket['assignee_name']}", f"{ticket['assignee_name']} is handling this."
    else:
        take, state = "Take over", "Nobody has taken this conversation yet."
    hand_back = with_human and (mine or not ticket["assignee"])
    return {"take": take, "hand_back": hand_back, "resolve": True, "state": state}


def _filters(request: Request[Any, Any, Any]) -> dict[str, str]:
    q = request.query_params
    view = q.get("view") if q.get("view") in VIEWS else "all"
    status = q.get("status") if q.get("status") in STATUSES else "unresolved"
    priority = q.get("priority") if q.get("priority") in PRIORITIES else ""
    return {"view": view or "all", "status": status or "unresolved", "priority": priority or ""}


def _ticket_page(ticket_id: str) -> str:
    return f"/inbox/tickets/{ticket_id}"


def _back(ticket_id: str) -> Redirect:
    return Redirect(_ticket_page(ticket_id), status_code=303)


async def _act(session: Session, ticket_id: str, done: str, call: Any) -> Redirect:
    """Run one API call for a form; say how it went on the ticket's page."""
    return await act(session, _ticket_page(ticket_id), done, call)


class InboxController(Controller):
    path = "/inbox"

    @get("/")
    async def queue(self, request: Request[Any, Any, Any], api: Api, store: Store) -> Response[str]:
        session = signed_in(request, store)
        filters = _filters(request)
        rows = await queue_rows(SessionApi(api, session), filters)
        return page(
            "inbox/queue.html",
            **layout(session, section="inbox", rows=rows, filters=filters, views=VIEWS, statuses=STATUSES,
                     priorities=PRIORITIES),
        )  # fmt: skip

    @get("/queue")
    async def queue_fragment(self, request: Request[Any, Any, Any], api: Api, store: Store) -> Response[str]:
        """The queue's rows alone, for the page's script to swap in when something changed."""
        session = signed_in(request, store)
        rows = await queue_rows(SessionApi(api, session), _filters(request))
        return page("inbox/_queue_fragment.html", rows=rows)

    @get("/stream")
    async def stream(self, request: Request[Any, Any, Any], api: Api, store: Store) -> ServerSentEvent:
        """The inbox's live notices (ticketing's ``/v1/tickets/stream``), relayed with the session's key."""
        session = signed_in(request, store)

        async def relay() -> AsyncIterator[ServerSentEventMessage]:
            with contextlib.suppress(ApiError):
                async with api.events("/v1/tickets/stream", key=session.api_key) as events:
                    async for name, data in events:
                        if name == "comment":
                            yield ServerSentEventMessage(data=None, comment="keep-alive")
                        else:
                            yield ServerSentEventMessage(data=json.dumps(data), event=name)

        return ServerSentEvent(relay(), headers={"Cache-Control": "no-cache"})

    async def _ticket_context(self, session: Session, api: PublicApi, ticket_id: str) -> dict[str, Any]:
        user = SessionApi(api, session)
        ticket = await user.get(f"/v1/tickets/{ticket_id}")
        status = (await user.get(f"/v1/conversations/{ticket['conversation_id']}"))["status"]
        events = (await user.get(f"/v1/conversations/{ticket['conversation_id']}/events"))["events"]
        notes = (await user.get(f"/v1/tickets/{ticket_id}/notes"))["items"]
        agents = {a["agent_id"]: a["name"] for a in (await user.get("/v1/tickets/agents"))["items"]}
        ticket["assignee_name"] = agents.get(ticket["assignee"] or "", "")
        ticket["sla_state"] = sla_of(ticket, datetime.now(UTC))
        conversation = transcript(events)
        return {
            "ticket": ticket,
            "conversation": conversation,
            "notes": [n | {"agent_name": agents.get(n["agent_id"], n["agent_id"])} for n in notes],
            "actions": ticket_actions(ticket, str(session.agent["agent_id"]), status),
        }

    @get("/tickets/{ticket_id:str}")
    async def ticket(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Response[str]:
        session = signed_in(request, store)
        context = await self._ticket_context(session, api, ticket_id)
        return page("inbox/ticket.html", **layout(session, section="inbox", **context))

    @get("/tickets/{ticket_id:str}/live")
    async def ticket_fragment(
        self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store
    ) -> Response[str]:
        """The changing parts of a ticket's page (its state, transcript, approvals and actions), for the page's
        script."""
        session = signed_in(request, store)
        context = await self._ticket_context(session, api, ticket_id)
        return page("inbox/_live_fragment.html", csrf=session.csrf, user=session.agent, **context)

    @post("/tickets/{ticket_id:str}/take")
    async def take(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Redirect:
        session = signed_in(request, store)
        await checked_form(request, session)
        body = {"agent_id": session.agent["agent_id"]}
        call = SessionApi(api, session).post(f"/v1/tickets/{ticket_id}/assignment", json_body=body)
        return await _act(session, ticket_id, "You took over this conversation.", call)

    @post("/tickets/{ticket_id:str}/reply")
    async def reply(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Redirect:
        session = signed_in(request, store)
        form = await checked_form(request, session)
        text = form.get("text", "").strip()
        if not text:
            session.say("error", "Write a reply first.")
            return _back(ticket_id)
        call = SessionApi(api, session).post(f"/v1/tickets/{ticket_id}/replies", json_body={"text": text})
        return await _act(session, ticket_id, "Reply sent to the customer.", call)

    @post("/tickets/{ticket_id:str}/note")
    async def note(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Redirect:
        session = signed_in(request, store)
        form = await checked_form(request, session)
        text = form.get("text", "").strip()
        if not text:
            session.say("error", "Write the note first.")
            return _back(ticket_id)
        call = SessionApi(api, session).post(f"/v1/tickets/{ticket_id}/notes", json_body={"text": text})
        return await _act(session, ticket_id, "Internal note added (the customer does not see it).", call)

    @post("/tickets/{ticket_id:str}/handback")
    async def hand_back(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Redirect:
        session = signed_in(request, store)
        form = await checked_form(request, session)
        body = {"note": form.get("note", "").strip()[:2000]}
        call = SessionApi(api, session).post(f"/v1/tickets/{ticket_id}/handback", json_body=body)
        return await _act(session, ticket_id, "Handed back to the AI.", call)

    @post("/tickets/{ticket_id:str}/resolve")
    async def resolve(self, request: Request[Any, Any, Any], ticket_id: str, api: Api, store: Store) -> Redirect:
        session = signed_in(request, store)
        await checked_form(request, session)
        call = SessionApi(api, session).post(f"/v1/tickets/{ticket_id}/status", json_body={"status": "resolved"})
        return await _act(session, ticket_id, "Resolved; the customer is asked for a rating.", call)

    @post("/tickets/{ticket_id:str}/approvals/{tool_call_id:str}")
    async def decide(
        self, request: Request[Any, Any, Any], ticket_id: str, tool_call_id: str, api: Api, store: Store
    ) -> Redirect:
        session = signed_in(request, store)
        form = await checked_form(request, session)
        approved = form.get("decision") == "approve"
        user = SessionApi(api, session)
        ticket = await user.get(f"/v1/tickets/{ticket_id}")
        body = {
            "approved": approved,
            "decided_by": str(session.agent.get("email") or session.agent["agent_id"]),
            "note": form.get("note", "").strip()[:2000],
        }
        path = f"/v1/agent/conversations/{ticket['conversation_id']}/approvals/{tool_call_id}"
        return await _act(session, ticket_id, "Approved." if approved else "Rejected.", user.post(path, json_body=body))
