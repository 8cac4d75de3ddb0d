"""Stored simulation suites on a real event log and database: a suite is checked as a simulation's is before it is
saved (a bad one is refused by line and field, nothing saved); every publish gate of the tenant runs its stored
suites and names them; a failing one blocks when the gate policy says so, and deleting it lets the publish through;
another tenant can neither read nor delete it, and its gates do not run it."""

from __future__ import annotations

from libs.events import EventLog
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import ModelRequest, ModelResponse
from services.agent.tests.test_releases import published
from tests.support import provision_tenant, running

FAILING = """suite: must-hand-over
tasks:
  - id: greeting
    customer: {messages: ["hello"]}
    expect: {handoff: true}
"""
BAD = """suite: must-hand-over
tasks:
  - id: greeting
    customer: {messages: ["hello"]}
    expect: {handoff: true, colour: blue}
"""
PATH = "/v1/simulations/suites"


class GreetingModel:
    """Greets, whatever it is told: never hands over."""

    provider = "anthropic"
    model = "claude-sonnet-4-6"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        return ModelResponse("Hello! How can I help?", [], 100, 10, "end_turn")


async def test_a_stored_failing_suite_blocks_a_publish_until_it_is_deleted(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=GreetingModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        other = await provision_tenant(event_log, runtime, "Other")
        auth, others = {"Authorization": f"Bearer {tenant.api_key}"}, {"Authorization": f"Bearer {other.api_key}"}

        r = await client.put(f"{PATH}/must-hand-over", headers=auth, json={"source": BAD})
        assert r.status_code == 422, r.text
        (problem,) = r.json()["errors"]
        assert problem["field"] == "suite.tasks[0].expect.colour", problem
        assert problem["message"].startswith("line 5: "), problem
        assert (await client.get(PATH, headers=auth)).json() == {"items": []}, "nothing saved"
        assert (await client.get(f"{PATH}/must-hand-over", headers=auth)).status_code == 404

        r = await client.put(f"{PATH}/must-hand-over", headers=auth, json={"source": FAILING})
        assert r.status_code == 200, r.text
        assert (r.json()["name"], r.json()["suite"], r.json()["tasks"], r.json()["source"]) == (
            "must-hand-over",
            "must-hand-over",
            1,
            FAILING,
        )
        (listed,) = (await client.get(PATH, headers=auth)).json()["items"]
        assert (listed["name"], listed["tasks"]) == ("must-hand-over", 1)

        # Another tenant: 404 for A's suite (read and delete), an empty list, and a gate that does not run it.
        assert (await client.get(f"{PATH}/must-hand-over", headers=others)).status_code == 404
        assert (await client.delete(f"{PATH}/must-hand-over", headers=others)).status_code == 404
        assert (await client.get(PATH, headers=others)).json() == {"items": []}
        theirs = await published(client, others, {"notes": "B's first"})
        assert (theirs["status"], theirs["gate"]["suites"]) == ("passed", []), theirs

        blocked = await published(client, auth, {"notes": "first"})
        assert (blocked["status"], blocked["release"]) == ("blocked", None), blocked
        assert blocked["reasons"] == ["stored suite 'must-hand-over' (suite 'must-hand-over') failed: greeting"]
        (outcome,) = blocked["gate"]["suites"]
        assert (outcome["stored_as"], outcome["passed"], outcome["failed_tasks"]) == (
            "must-hand-over",
            False,
            ["greeting"],
        )
        assert blocked["progress"]["suites"] == 1
        assert (await client.get("/v1/agent/releases", headers=auth)).json()["items"] == []
        assert (await client.get(f"{PATH}/must-hand-over", headers=auth)).json()["source"] == FAILING

        # A policy that lets a failing suite through: the suite still runs and is shown.
        lenient = {"block_on_failed_suite": False}
        assert (await client.put("/v1/agent/releases/gate-policy", headers=auth, json=lenient)).status_code == 200
        shown = await published(client, auth, {"notes": "lenient", "by": "ada"})
        assert (shown["status"], shown["reasons"]) == ("passed", []), shown
        assert [s["stored_as"] for s in shown["gate"]["suites"]] == ["must-hand-over"]
        assert (await client.put("/v1/agent/releases/gate-policy", headers=auth, json={})).status_code == 200

        assert (await client.delete(f"{PATH}/must-hand-over", headers=auth)).status_code == 204
        assert (await client.get(f"{PATH}/must-hand-over", headers=auth)).status_code == 404
        assert (await client.delete(f"{PATH}/must-hand-over", headers=auth)).status_code == 404
        passed = await published(client, auth, {"notes": "second"})
        assert (passed["status"], passed["gate"]["suites"]) == ("passed", []), passed
        assert passed["release"]["number"] == 2
