"""Simulation suites (``/v1/simulations``, docs/simulation.md): the tenant's recent runs with their outcome, a suite
to run (its problems named by line and field, the text kept), and a run's results — pass^k per task, each failed
expectation in words, every trial's transcript; and a suite made of recorded conversations
(``POST /v1/simulations/suites``), shown in the form to read before it runs. Runs are in the sandbox, on the model
the tenant's policy chose. A suite in the form can be saved as one of the tenant's stored suites
(``PUT /v1/simulations/suites/{name}``), which every publish gate runs; they are listed, and can be deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import yaml
from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, act, layout
from web.console.common import AnyRequest, Api, Store, admin, admin_form
from web.pages import page
from web.sessions import Session

BASE = "/v1/simulations"
BACK = "/console/simulations"
EXAMPLE = """suite: order-status
description: The agent looks an order up before it answers.
setup:
  integrations: [demo_store]
tasks:
  - id: where-is-my-order
    customer:
      messages: ["where is my order #1001?"]
    expect:
      tool_calls: [{tool: get_order_status, arguments: {order_number: "1001"}}]
      handoff: false
"""


async def _list(
    session: Session, user: SessionApi, chosen: list[str], status_code: int = 200, **form: Any
) -> Response[str]:
    """The runs, the suite form (``form`` as written, else the example), and the recent conversations to make a
    suite of (``chosen`` ticked)."""
    items = (await user.get(BASE))["items"]
    stored = (await user.get(f"{BASE}/suites"))["items"]
    recent = (await user.get("/v1/conversations", params={"limit": 30}))["items"]
    known = {c["id"] for c in recent}
    extra = [{"id": c, "status": "", "customer_id": "", "created_at": ""} for c in chosen if c not in known]
    context: dict[str, Any] = {
        "suite": EXAMPLE,
        "trials": 1,
        "problems": [],
        "suite_name": "from-production",
        "stored_name": "",
    }
    return page(
        "console/simulations.html",
        status_code=status_code,
        **layout(
            session,
            section="console",
            tab="simulations",
            items=items,
            stored=stored,
            conversations=extra + recent,
            chosen=set(chosen),
            **(context | form),
        ),
    )


def _trials(form: Mapping[str, str]) -> int:
    return int(form["trials"]) if form.get("trials", "").isdigit() else 1


async def _suite_refused(session: Session, user: SessionApi, exc: ApiError, verb: str, **kept: Any) -> Response[Any]:
    """A suite the API refused (run or saved): the form comes back (its status) with each problem by line and field,
    as written; 401 goes on to the sign-in."""
    if exc.status == 401:
        raise exc
    problems = len(exc.errors)
    session.say("error", f"{verb}: {problems} problem(s) in the suite." if problems else f"{verb}: {exc.detail}")
    return await _list(session, user, [], exc.status, problems=exc.errors, **kept)


class SimulationsController(Controller):
    path = BACK

    @get("/")
    async def simulations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The newest runs with their outcome, and a suite to run (an example to start from)."""
        session = admin(request, store)
        chosen = [c for c in request.query_params.getall("conversation", []) if c]
        return await _list(session, SessionApi(api, session), chosen)

    @post("/from-conversations")
    async def from_conversations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """A suite made by the API from the chosen recorded conversations (their recorded actions are each task's
        expected end state), put in the suite form to read, change and run."""
        session, form, user = await admin_form(request, store, api)
        ids = [str(v) for v in (await request.form()).getall("conversations", []) if str(v).strip()]
        name = form.get("name", "").strip() or "from-production"
        if not ids:
            session.say("error", "Choose at least one conversation to make a suite of.")
            return await _list(session, user, [], 422, suite_name=name)
        try:
            suite = await user.post(f"{BASE}/suites", json_body={"conversations": ids, "name": name})
        except ApiError as exc:
            if exc.status == 401:
                raise
            problems = "; ".join(f"{p['field']}: {p['message']}" for p in exc.errors)
            session.say("error", f"No suite made: {problems or exc.detail}")
            return await _list(session, user, ids, exc.status, suite_name=name)
        text = yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=100)
        tasks = len(suite.get("tasks", []))
        made = f"{tasks} conversation{'' if tasks == 1 else 's'}"
        session.say("ok", f"Suite {name} made of {made}: read it below, then run it.")
        return await _list(session, user, ids, suite=text, suite_name=name)

    @post("/")
    async def run(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """Run the suite; when it has problems, the form comes back (422) with each by line and field, as written."""
        session, form, user = await admin_form(request, store, api)
        suite, trials = form.get("suite", ""), _trials(form)
        try:
            started = await user.post(BASE, json_body={"suite": suite, "trials": trials})
        except ApiError as exc:
            return await _suite_refused(session, user, exc, "Not run", suite=suite, trials=trials)
        session.say("ok", f"Running {started['tasks']} task(s), {started['trials']} trial(s) each, in the sandbox.")
        return Redirect(f"{BACK}/{started['id']}", status_code=303)

    @post("/stored")
    async def save(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """Save the form's suite as the tenant's, under the name given; with problems, the form comes back (their
        status) with each by line and field, as written, and nothing is saved."""
        session, form, user = await admin_form(request, store, api)
        # A textarea submits CRLF line ends; the stored text keeps the author's lines as LF.
        suite, name = form.get("suite", "").replace("\r\n", "\n"), form.get("stored_name", "").strip()
        kept = {"suite": suite, "trials": _trials(form), "stored_name": name}
        if not name:
            session.say("error", "Not saved: give the name to store the suite under.")
            return await _list(session, user, [], 422, **kept)
        try:
            saved = await user.call("PUT", f"{BASE}/suites/{quote(name, safe='')}", json_body={"source": suite})
        except ApiError as exc:
            return await _suite_refused(session, user, exc, "Not saved", **kept)
        session.say("ok", f"Suite {saved['name']} saved: every publish gate runs it from now on.")
        return Redirect(BACK, status_code=303)

    @post("/stored/{name:str}/delete")
    async def delete_stored(self, request: AnyRequest, name: str, api: Api, store: Store) -> Redirect:
        """Delete a stored suite: publish gates no longer run it."""
        session, _, user = await admin_form(request, store, api)
        done = f"Stored suite {name} deleted: publish gates no longer run it."
        return await act(session, BACK, done, user.call("DELETE", f"{BASE}/suites/{quote(name, safe='')}"))

    @get("/{sim_id:str}")
    async def results(self, request: AnyRequest, sim_id: str, api: Api, store: Store) -> Response[str]:
        """A run: its progress, then pass^k per task, every failed expectation and each trial's transcript."""
        session = admin(request, store)
        shown = await SessionApi(api, session).get(f"{BASE}/{sim_id}")
        return page("console/simulation.html", **layout(session, section="console", tab="simulations", sim=shown))

    @get("/{sim_id:str}/status")
    async def status(self, request: AnyRequest, sim_id: str, api: Api, store: Store) -> dict[str, Any]:
        """The run's state and progress as JSON, for the page's script to reload when it is done."""
        session = admin(request, store)
        shown = await SessionApi(api, session).get(f"{BASE}/{sim_id}")
        return {"status": shown["status"], "progress": shown["progress"]}
