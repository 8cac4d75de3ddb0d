"""A turn whose tool never answers is ended by the wall-clock limit: the agent app's own sweep hands it over."""

from __future__ import annotations

from libs.events import SYSTEM, AgentLimitReached, Envelope, EventLog, HandoffRequested, ToolsPublished
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import OfflineModel
from services.agent.tests.test_loop import LOOKUP, new_conversation
from tests.support import eventually, provision_tenant, running


async def test_a_tool_that_never_answers_ends_in_a_handoff(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=OfflineModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        policy = (await client.get("/v1/agent/policy", headers=auth)).json()
        policy["limits"]["turn_seconds"] = 0.5
        assert (await client.put("/v1/agent/policy", headers=auth, json=policy)).status_code == 200
        await event_log.publish(
            Envelope.new(
                ToolsPublished(service="integrations", tools=(LOOKUP,)), tenant_id=tenant.tenant_id, actor=SYSTEM
            )
        )

        async def catalog_ready() -> bool:
            tools = (await client.get("/v1/agent/tools", headers=auth)).json()["tools"]
            return any(t["name"] == LOOKUP.name for t in tools)

        await eventually(catalog_ready, what="the catalog to reach the agent")
        conv = await new_conversation(event_log, tenant.tenant_id, "where is my order #1001?")

        async def handed_off() -> list[object] | None:
            events = await event_log.read(tenant.tenant_id, conv)
            return (
                [r.event.payload for r in events] if any(r.event.type == "handoff.requested" for r in events) else None
            )

        payloads = await eventually(handed_off, timeout=20, what="the overdue turn to be handed over")
        (limit,) = [p for p in payloads if isinstance(p, AgentLimitReached)]
        assert limit.limit == "turn_seconds"
        (handoff,) = [p for p in payloads if isinstance(p, HandoffRequested)]
        assert handoff.reason == "limit: turn_seconds"
        types = [getattr(p, "type", "") for p in payloads]
        assert types.index("tool.requested") < types.index("agent.limit_reached")
