"""An agent killed in the middle of a turn: the restarted agent finishes it within seconds, exactly once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from deskpilot.tenants import create_tenant
from libs.events import EventLog
from services.agent.tests.test_loop import new_conversation, types
from tests.fakes.shop_model import shop_model
from tests.support import ServiceProcess, eventually


async def test_a_turn_in_flight_in_a_killed_agent_is_finished_after_the_restart(
    nats_url: str, database_url: str, event_log: EventLog, tmp_path: Path
) -> None:
    tenant = await create_tenant(event_log, "Crash")
    async with shop_model(model_ms=1500) as model:
        env = {
            **os.environ,
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "ANTHROPIC_API_KEY": "sk-test",
            "ANTHROPIC_BASE_URL": model.url,
        }
        agent = ServiceProcess("agent", env, tmp_path / "agent.log")
        await agent.start()
        try:
            text = f"hello there, this is {tenant.tenant_id}"
            conv = await new_conversation(event_log, tenant.tenant_id, text)

            async def asked() -> bool:
                return text in model.asked

            await eventually(asked, what="the agent to call the model")
            agent.kill()  # mid-turn: the turn is open and its model call unanswered
            assert "agent.replied" not in types(await event_log.read(tenant.tenant_id, conv))

            await agent.start()
            restarted = time.monotonic()

            async def replied() -> bool:
                return "agent.replied" in types(await event_log.read(tenant.tenant_id, conv))

            await eventually(replied, timeout=10, what="the restarted agent to finish the turn")
            recovered_in = time.monotonic() - restarted
            counted = types(await event_log.read(tenant.tenant_id, conv))
            assert counted.count("agent.replied") == 1
            assert counted.count("agent.turn_started") == 1, "the restarted agent resumed the open turn"
            assert model.asked.count(text) == 2, "one model call before the kill, one after"
            log = (tmp_path / "agent.log").read_text()
            assert f"conversation {conv}" in log, "the redelivery is logged with the conversation"
            assert recovered_in <= 10
        finally:
            agent.stop()
