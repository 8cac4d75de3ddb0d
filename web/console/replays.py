"""Conversations and replays: the tenant's conversations (newest first), and replaying some of them against a
candidate — another model, other words, tools switched off — to see what the agent would have *done* differently,
turn by turn, in two columns (``/v1/replays``, docs/replay.md). Nothing a replay does reaches a customer."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, layout
from web.console.common import AnyRequest, Api, Store, admin, admin_form
from web.pages import page
from web.replay_view import candidate_body, conversation_views

STATUSES = ("", "open", "with_ai", "waiting_human", "with_human", "resolved")
PROVIDERS = ("offline", "anthropic", "openai", "openai_compatible")


class ConversationsController(Controller):
    path = "/console/history"

    @get("/")
    async def conversations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The tenant's conversations, newest first, each with its event log and a way to replay it."""
        session = admin(request, store)
        status = request.query_params.get("status") or ""
        customer = (request.query_params.get("customer_id") or "").strip()
        params = {"limit": 100, "status": status if status in STATUSES else None, "customer_id": customer or None}
        found = await SessionApi(api, session).get("/v1/conversations", params=params)
        return page(
            "console/all_conversations.html",
            **layout(
                session,
                section="console",
                tab="conversations",
                items=found["items"],
                status=status,
                customer_id=customer,
                statuses=STATUSES,
            ),
        )


class ReplaysController(Controller):
    path = "/console/replays"

    @get("/")
    async def replays(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """Recent replays, and a new one: which conversations, against what."""
        session = admin(request, store)
        user = SessionApi(api, session)
        chosen = [c for c in request.query_params.getall("conversation", []) if c]
        recent = (await user.get("/v1/conversations", params={"limit": 30}))["items"]
        known = {c["id"] for c in recent}
        extra = [{"id": c, "status": "", "channel": "", "customer_id": "", "created_at": ""} for c in chosen]
        catalog = await user.get("/v1/agent/tools")
        return page(
            "console/replays.html",
            **layout(
                session,
                section="console",
                tab="replays",
                replays=(await user.get("/v1/replays"))["items"],
                conversations=[c for c in extra if c["id"] not in known] + recent,
                chosen=set(chosen),
                catalog=catalog,
                providers=PROVIDERS,
            ),
        )

    @post("/")
    async def start(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        raw = await request.form()
        ids = [str(v) for v in raw.getall("conversations", []) if str(v).strip()]
        catalog = await user.get("/v1/agent/tools")
        candidate = candidate_body(form, [t["name"] for t in catalog["tools"]])
        if not ids:
            session.say("error", "Choose at least one conversation to replay.")
            return Redirect("/console/replays", status_code=303)
        try:
            started = await user.post("/v1/replays", json_body={"conversations": ids, "candidate": candidate})
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", f"The replay was refused: {exc.detail or exc.status}")
            return Redirect("/console/replays", status_code=303)
        session.say("ok", f"Replaying {started['conversations']} conversation(s); nothing reaches a customer.")
        return Redirect(f"/console/replays/{started['id']}", status_code=303)

    @get("/{replay_id:str}")
    async def replay(self, request: AnyRequest, replay_id: str, api: Api, store: Store) -> Response[str]:
        """The replay's summary and, per conversation and turn, the two columns of actions, differences marked."""
        session = admin(request, store)
        report = await SessionApi(api, session).get(f"/v1/replays/{replay_id}")
        return page(
            "console/replay.html",
            **layout(
                session,
                section="console",
                tab="replays",
                report=report,
                views=conversation_views(report),
            ),
        )

    @get("/{replay_id:str}/status")
    async def status(self, request: AnyRequest, replay_id: str, api: Api, store: Store) -> dict[str, Any]:
        """The replay's state and progress as JSON, for the page's script to reload when it is done."""
        session = admin(request, store)
        report = await SessionApi(api, session).get(f"/v1/replays/{replay_id}")
        return {"status": report["status"], "progress": report["progress"]}
