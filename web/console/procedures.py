"""Procedures (``/v1/agent/procedures``, docs/procedures.md): the list, and an editor for the YAML document that
names every problem by its line and field — as the author types (checked without saving) and when saving (nothing
is saved while a problem remains). Guards are enforced by the runtime, whatever the model says."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, act, layout
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
)
from web.pages import page

BASE = "/v1/agent/procedures"
TEMPLATE = """name: a-new-procedure
applies_when: When the customer asks for …
keywords: []
steps: |
  What the agent should do, in words.
tools: []
guards: []
"""


def _lines(source: str) -> list[str]:
    return source.splitlines() or [""]


async def _check(user: SessionApi, source: str) -> dict[str, Any]:
    checked: dict[str, Any] = await user.post(f"{BASE}/check", json_body={"source": source})
    return checked


def _editor(session: Any, procedure: dict[str, Any] | None, source: str, problems: list[dict[str, Any]]) -> Any:
    return layout(
        session,
        section="console",
        tab="procedures",
        procedure=procedure,
        source=source,
        lines=_lines(source),
        problems=sorted(problems, key=lambda p: (p.get("line") or 0, p.get("field") or "")),
        bad_lines={p["line"] for p in problems if p.get("line")},
    )


class ProceduresController(Controller):
    path = "/console/procedures"

    @get("/")
    async def procedures(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        found = await SessionApi(api, session).get(BASE)
        return page(
            "console/procedures.html",
            **layout(session, section="console", tab="procedures", items=found["items"]),
        )

    @get("/new")
    async def new(self, request: AnyRequest, store: Store) -> Response[str]:
        session = admin(request, store)
        return page("console/procedure.html", **_editor(session, None, TEMPLATE, []))

    @get("/{name:str}")
    async def edit(self, request: AnyRequest, name: str, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        procedure = await SessionApi(api, session).get(f"{BASE}/{name}")
        return page("console/procedure.html", **_editor(session, procedure, procedure["source"], []))

    @post("/save")
    async def save(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """Check, then create (no ``original``) or replace; while a problem remains, the editor comes back with the
        text as written and every problem by line and field (422), and nothing is saved."""
        session, form, user = await admin_form(request, store, api)
        source, original = form.get("source", ""), form.get("original", "").strip()
        procedure = await user.get(f"{BASE}/{original}") if original else None
        checked = await _check(user, source)
        if not checked["valid"]:
            session.say("error", f"Not saved: {len(checked['problems'])} problem(s) to fix.")
            return page(
                "console/procedure.html", status_code=422, **_editor(session, procedure, source, checked["problems"])
            )
        try:
            if original:
                saved = await user.call("PUT", f"{BASE}/{original}", json_body={"source": source})
            else:
                saved = await user.post(BASE, json_body={"source": source})
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", f"Not saved: {exc.detail}")
            return page("console/procedure.html", status_code=exc.status, **_editor(session, procedure, source, []))
        session.say("ok", f"Procedure {saved['name']} saved (version {saved['version']}); its guards hold now.")
        return Redirect(f"/console/procedures/{saved['name']}", status_code=303)

    @post("/{name:str}/delete")
    async def delete(self, request: AnyRequest, name: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        return await act(
            session, "/console/procedures", f"Procedure {name} deleted.", user.call("DELETE", f"{BASE}/{name}")
        )


class ProcedureCheckController(Controller):
    path = "/console/procedure-check"

    @post("/")
    async def check(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The editor's problems as it is typed (a fragment the page's script puts in place); nothing is saved."""
        _, form, user = await admin_form(request, store, api)
        checked = await _check(user, form.get("source", ""))
        problems = sorted(checked["problems"], key=lambda p: (p.get("line") or 0, p.get("field") or ""))
        return page("console/_problems.html", problems=problems, checked=True)
