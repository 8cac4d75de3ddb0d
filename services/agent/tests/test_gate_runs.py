"""Publish gates as jobs: a gate run is never left ``running`` once the agent service that ran it is gone — stopped
(marked failed as it stops) or dead (its heartbeat ends; another replica marks it failed) — and never publishes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from libs.events import SYSTEM, ConversationResolved, Envelope, EventLog, new_id
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import ModelRequest, ModelResponse
from services.agent.releases.jobs import DIED
from services.agent.repository import GateRunRepository
from services.agent.tests.test_loop import new_conversation
from tests.support import eventually, provision_tenant, running


class HoldingModel:
    """Answers at once until ``hold`` is set; then every call waits (a gate's replay that never ends)."""

    provider = "anthropic"
    model = "claude-sonnet-4-6"

    def __init__(self) -> None:
        self.hold = False
        self.held = asyncio.Event()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.hold:
            self.held.set()
            await asyncio.Event().wait()
        return ModelResponse("Hello! How can I help?", [], 100, 10, "end_turn")


async def test_a_gate_run_ends_failed_when_its_service_stops_or_dies(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    model = HoldingModel()
    async with running(create_app(settings, model=model)) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        conv = await new_conversation(event_log, tenant.tenant_id, "hello")

        async def replied() -> bool:
            return any(r.event.type == "agent.replied" for r in await event_log.read(tenant.tenant_id, conv))

        await eventually(replied, what="the conversation to be answered")
        resolved = Envelope.new(
            ConversationResolved(by="ai"), tenant_id=tenant.tenant_id, conversation_id=conv, actor=SYSTEM
        )
        await event_log.append(tenant.tenant_id, conv, [resolved], None)
        model.hold = True
        r = await client.post("/v1/agent/releases", headers=auth, json={"notes": "held"})
        assert r.status_code == 202, r.text
        url = r.json()["url"]
        await asyncio.wait_for(model.held.wait(), 60)
        run = (await client.get(url, headers=auth)).json()
        assert (run["status"], run["progress"]["conversations"], run["progress"]["replayed"]) == ("running", 1, 0)
    # The service stopped mid-gate.

    async with running(create_app(settings, model=HoldingModel())) as (client, runtime):
        run = (await client.get(url, headers=auth)).json()
        assert (run["status"], run["release"]) == ("failed", None)
        assert "stopped before the run finished" in run["error"]
        assert (await client.get("/v1/agent/releases", headers=auth)).json()["items"] == []

        # A process that died mid-gate leaves its run "running" with a heartbeat that no longer moves.
        dead = new_id("gate")
        long_ago = datetime.now(UTC) - timedelta(minutes=5)
        async with runtime.unit_of_work() as uow:
            await GateRunRepository(uow.session).create(
                id=dead,
                tenant_id=tenant.tenant_id,
                publish=True,
                requested_by="ada",
                config=run["draft"],
                progress=run["progress"],
                heartbeat_at=long_ago,
            )

        async def swept() -> dict[str, object] | None:
            found = (await client.get(f"/v1/agent/releases/gate-runs/{dead}", headers=auth)).json()
            return dict(found) if found["status"] != "queued" else None

        found = await eventually(swept, timeout=30, what="the dead process's gate run to be swept")
        assert (found["status"], found["error"]) == ("failed", DIED)
        listed = (await client.get("/v1/agent/releases/gate-runs", headers=auth)).json()["items"]
        assert {i["id"] for i in listed} == {dead, url.rsplit("/", 1)[1]}
        other = await provision_tenant(event_log, runtime, "Other")
        theirs = await client.get(url, headers={"Authorization": f"Bearer {other.api_key}"})
        assert theirs.status_code == 404
