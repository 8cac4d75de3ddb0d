"""A tenant chooses its provider and model in its policy, among those the operator configured and priced; its turns
run on that model, other tenants' on the operator's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from libs.events import EventLog, LlmCalled
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy, ModelSetting
from services.agent.providers import ModelChoice, ModelConfigurationError, OfflineModel
from services.agent.providers.pool import ModelPool
from services.agent.service import Agent
from services.agent.tests.fake_llm_server import fake_server, json_reply
from services.agent.tests.test_loop import POLICY, new_conversation
from tests.support import eventually, provision_tenant, running

COMPATIBLE = "http://127.0.0.1:9/v1"  # never called here: the pool builds clients, the loop's model is a stub


class TenantsOwn(OfflineModel):
    """The offline model under another name (the price table's '*' entry prices any OpenAI-compatible model)."""

    provider = "openai_compatible"
    model = "tenants-own"


def settings(**values: str) -> AgentSettings:
    base = {"ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": "", "DESKPILOT_AGENT_LLM_PROVIDER": "offline"}
    return AgentSettings.model_validate(base | values)


def test_the_pool_offers_what_the_operator_configured() -> None:
    pool = ModelPool(settings(DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL=COMPATIBLE), OfflineModel())
    options = {o.provider: o for o in pool.options()}
    assert options["offline"].available
    assert options["openai_compatible"].available
    assert not options["anthropic"].available
    assert "ANTHROPIC_API_KEY" in (options["anthropic"].reason or "")
    assert "claude-haiku-4-5" in options["anthropic"].models
    with pytest.raises(ModelConfigurationError, match="ANTHROPIC_API_KEY"):
        pool.check(ModelChoice("anthropic", "claude-haiku-4-5"))
    pool.check(ModelChoice("openai_compatible", "llama3.1"))
    chosen = pool.for_policy(AgentPolicy(model=ModelSetting(provider="openai_compatible", model="llama3.1")))
    assert (chosen.provider, chosen.model) == ("openai_compatible", "llama3.1")
    assert pool.for_policy(AgentPolicy()) is pool.default


async def test_a_tenants_turns_run_on_its_model(event_log: EventLog, tenant_id: str) -> None:
    own = TenantsOwn()
    agent = Agent(event_log, OfflineModel(), models=lambda p: own if p.model is not None else OfflineModel())
    chose = POLICY.model_copy(update={"model": ModelSetting(provider="openai_compatible", model="tenants-own")})
    for policy, provider in ((chose, "openai_compatible"), (POLICY, "offline")):
        conv = await new_conversation(event_log, tenant_id, "hello there")
        await agent.advance(tenant_id, conv, [], policy)
        called = [r.event.payload for r in await event_log.read(tenant_id, conv) if r.event.type == "llm.called"]
        assert called
        assert all(isinstance(c, LlmCalled) and c.provider == provider for c in called)


async def test_the_policy_api_takes_only_a_configured_model(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    values = {"NATS_URL": nats_url, "DATABASE_URL": database_url}
    agent_settings = settings(**values, DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL=COMPATIBLE)
    async with running(create_app(agent_settings, model=OfflineModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        offered = (await client.get("/v1/agent/models", headers=auth)).json()
        assert offered["operator"] == {"provider": "offline", "model": "deskpilot-offline-1"}
        assert {o["provider"] for o in offered["items"] if o["available"]} == {"offline", "openai_compatible"}
        policy = (await client.get("/v1/agent/policy", headers=auth)).json()
        assert policy["model"] is None

        refused = await client.put("/v1/agent/policy", headers=auth, json=policy | {"model": {"provider": "anthropic"}})
        assert refused.status_code == 409, refused.text  # the operator's configuration decides
        assert "ANTHROPIC_API_KEY" in refused.text
        chosen = policy | {"model": {"provider": "openai_compatible", "model": "llama3.1"}}
        assert (await client.put("/v1/agent/policy", headers=auth, json=chosen)).status_code == 200
        catalog = (await client.get("/v1/agent/tools", headers=auth)).json()
        assert (catalog["provider"], catalog["model"]) == ("openai_compatible", "llama3.1")


async def test_a_tenants_simulations_run_on_its_model(nats_url: str, database_url: str, event_log: EventLog) -> None:
    """As its turns and replays do: the simulated agent calls the tenant's model (a fake OpenAI-compatible server,
    refusing with 400 so the trial ends at once), and the report names it."""
    suite = {
        "suite": "hello",
        "tasks": [{"id": "hi", "customer": {"messages": ["hello"]}, "expect": {"handoff": False}}],
    }
    async with fake_server(default=json_reply({"error": {"message": "no"}}, status=400)) as fake:
        values = {"NATS_URL": nats_url, "DATABASE_URL": database_url}
        agent_settings = settings(**values, DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL=f"{fake.url}/v1")
        async with running(create_app(agent_settings, model=OfflineModel())) as (client, runtime):
            tenant = await provision_tenant(event_log, runtime)
            auth = {"Authorization": f"Bearer {tenant.api_key}"}
            policy = (await client.get("/v1/agent/policy", headers=auth)).json()
            chosen = policy | {"model": {"provider": "openai_compatible", "model": "llama3.1"}}
            assert (await client.put("/v1/agent/policy", headers=auth, json=chosen)).status_code == 200
            started = await client.post("/v1/simulations", headers=auth, json={"suite": json.dumps(suite)})
            assert started.status_code == 202, started.text

            async def finished() -> dict[str, Any] | None:
                shown: dict[str, Any] = (await client.get(started.json()["url"], headers=auth)).json()
                return shown if shown["status"] in ("done", "failed") else None

            report = (await eventually(finished, what="the simulation to finish"))["report"]
            listed = (await client.get("/v1/simulations", headers=auth)).json()["items"]
    assert report["model"] == "openai_compatible/llama3.1"
    assert [r.body["model"] for r in fake.requests] == ["llama3.1"]
    assert listed[0]["id"] == started.json()["id"]
    assert (listed[0]["model"], listed[0]["passed"], listed[0]["pass_1"]) == ("openai_compatible/llama3.1", False, 0)
