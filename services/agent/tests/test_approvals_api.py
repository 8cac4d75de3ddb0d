"""The approvals API answers for conversations that exist: an unknown one is 404, a malformed id 422 (not 500)."""

from __future__ import annotations

from libs.events import EventLog
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import OfflineModel
from services.agent.tests.test_loop import new_conversation
from tests.support import provision_tenant, running


async def test_approvals_of_an_unknown_or_malformed_conversation(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=OfflineModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        conv = await new_conversation(event_log, tenant.tenant_id, "hello")
        known = await client.get(f"/v1/agent/conversations/{conv}/approvals", headers=auth)
        assert (known.status_code, known.json()["items"]) == (200, [])
        r = await client.get("/v1/agent/conversations/conv_unknown/approvals", headers=auth)
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
        for bad in ("a.b", "%C3%A9"):
            r = await client.get(f"/v1/agent/conversations/{bad}/approvals", headers=auth)
            assert (r.status_code, r.json()["code"]) == (422, "invalid_request"), bad
            r = await client.post(f"/v1/agent/conversations/{conv}/approvals/{bad}", headers=auth, json={})
            assert r.status_code == 422, bad
