"""Simulation suites (``/v1/simulations``, docs/simulation.md): the tenant's recent runs with their outcome, a suite
to run (its problems named by line and field, the text kept), and a run's results — pass^k per task, each failed
expectation in words, every trial's transcript. Runs are in the sandbox, on the model the tenant's policy chose."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, layout
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


def _list(session: Session, items: list[dict[str, Any]], status_code: int = 200, **form: Any) -> Response[str]:
    context: dict[str, Any] = {"suite": EXAMPLE, "trials": 1, "problems": []} | form
    return page(
        "console/simulations.html",
        status_code=status_code,
        **layout(session, section="console", tab="simulations", items=items, **context),
    )


class SimulationsController(Controller):
    path = BACK

    @get("/")
    async def simulations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The newest runs with their outcome, and a suite to run (an example to start from)."""
        session = admin(request, store)
        return _list(session, (await SessionApi(api, session).get(BASE))["items"])

    @post("/")
    async def run(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """Run the suite; when it has problems, the form comes back (422) with each by line and field, as written."""
        session, form, user = await admin_form(request, store, api)
        suite = form.get("suite", "")
        trials = int(form["trials"]) if form.get("trials", "").isdigit() else 1
        try:
            started = await user.post(BASE, json_body={"suite": suite, "trials": trials})
        except ApiError as exc:
            if exc.status == 401:
                raise
            problems = len(exc.errors)
            session.say(
                "error", f"Not run: {problems} problem(s) in the suite." if problems else f"Not run: {exc.detail}"
            )
            items = (await user.get(BASE))["items"]
            return _list(session, items, exc.status, suite=suite, trials=trials, problems=exc.errors)
        session.say("ok", f"Running {started['tasks']} task(s), {started['trials']} trial(s) each, in the sandbox.")
        return Redirect(f"{BACK}/{started['id']}", status_code=303)

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
