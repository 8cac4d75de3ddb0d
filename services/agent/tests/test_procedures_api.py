"""The procedures API on a real database: CRUD per tenant, refusals naming line and field (422 for a document wrong in
itself, 409 for one naming what the tenant's tools lack), nothing half-saved."""

from __future__ import annotations

from libs import demo_store
from libs.events import SYSTEM, Envelope, EventLog, ToolsPublished
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import OfflineModel
from tests.support import eventually, provision_tenant, running

REFUND = (demo_store.PROCEDURES_DIR / "refund-within-30-days.yaml").read_text()


async def test_procedures_are_validated_saved_versioned_and_kept_per_tenant(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=OfflineModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        other = await provision_tenant(event_log, runtime, "Other")
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        others_auth = {"Authorization": f"Bearer {other.api_key}"}
        catalog = ToolsPublished(service="integrations", tools=demo_store.tool_specs())
        await event_log.publish(Envelope.new(catalog, tenant_id=tenant.tenant_id, actor=SYSTEM))

        async def catalog_ready() -> bool:
            tools = (await client.get("/v1/agent/tools", headers=auth)).json()["tools"]
            return any(t["name"] == "refund_order" for t in tools)

        await eventually(catalog_ready, what="the catalog to reach the agent")

        unparsable = REFUND.replace("refund_order.amount <=", "refund_order.amount <== ")
        r = await client.post("/v1/agent/procedures", headers=auth, json={"source": unparsable})
        assert r.status_code == 422, r.text  # the document breaks the expression language
        (problem,) = r.json()["errors"]
        assert problem["field"] == "procedure.guards[0].preconditions[3].check"
        assert problem["message"].startswith("line 23: ")
        assert "does not parse" in problem["message"]
        broken = REFUND.replace("refund_order.amount <=", "refund_order.amont <=")
        r = await client.post("/v1/agent/procedures", headers=auth, json={"source": broken})
        assert r.status_code == 409, r.text  # valid in itself; the tenant's refund_order has no such field
        (problem,) = r.json()["errors"]
        assert problem["field"] == "procedure.guards[0].preconditions[3].check"
        assert problem["message"].startswith("line 23: ")
        assert "no field 'amont'" in problem["message"]
        unknown = await client.post("/v1/agent/procedures", headers=others_auth, json={"source": REFUND})
        assert unknown.status_code == 409, unknown.text  # the other tenant has no demo store tools
        assert "unknown tool 'get_order_status'" in unknown.json()["errors"][0]["message"]
        assert (await client.get("/v1/agent/procedures", headers=auth)).json()["items"] == []

        check = await client.post("/v1/agent/procedures/check", headers=auth, json={"source": broken})
        assert check.json()["valid"] is False
        assert check.json()["problems"][0]["line"] == 23

        r = await client.post("/v1/agent/procedures", headers=auth, json={"source": REFUND})
        assert r.status_code == 201, r.text
        assert r.json()["version"] == 1
        assert r.json()["guarded_tools"] == ["refund_order"]
        again = await client.post("/v1/agent/procedures", headers=auth, json={"source": REFUND})
        assert again.status_code == 409

        changed = REFUND.replace("<= 30", "<= 14")
        r = await client.put("/v1/agent/procedures/refund-within-30-days", headers=auth, json={"source": changed})
        assert r.status_code == 200
        assert r.json()["version"] == 2
        assert "<= 14" in r.json()["source"]
        none = await client.put("/v1/agent/procedures/other-name", headers=auth, json={"source": REFUND})
        assert none.status_code == 404, none.text
        renamed = REFUND.replace("name: refund-within-30-days", "name: other-name")
        r = await client.put("/v1/agent/procedures/refund-within-30-days", headers=auth, json={"source": renamed})
        assert r.status_code == 409, r.text  # a representation of another procedure than the one in the path
        assert r.json()["errors"] == [
            {"field": "procedure.name", "message": "line 3: must be 'refund-within-30-days', the procedure replaced"}
        ]

        others = {"Authorization": f"Bearer {other.api_key}"}
        assert (await client.get("/v1/agent/procedures/refund-within-30-days", headers=others)).status_code == 404
        assert (await client.delete("/v1/agent/procedures/refund-within-30-days", headers=others)).status_code == 404
        assert (await client.get("/v1/agent/procedures", headers=others)).json()["items"] == []

        assert (await client.delete("/v1/agent/procedures/refund-within-30-days", headers=auth)).status_code == 204
        assert (await client.get("/v1/agent/procedures/refund-within-30-days", headers=auth)).status_code == 404
