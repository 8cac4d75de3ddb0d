"""Tool execution on real PostgreSQL and NATS: once per tool call, dry-run, typed failures, the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx2
import jsonschema
import pytest
from nats.aio.client import Client as NATS
from sqlalchemy import text

from libs.events import Actor, Envelope, EventLog, RecordedEvent, ToolCompleted, ToolFailed, ToolRequested, new_id
from libs.events.streams import EVENTS_STREAM
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from services.integrations.app import create_app
from services.integrations.checks import CHECKS
from services.integrations.config import IntegrationsSettings
from services.integrations.manifest import builtin_manifests
from services.integrations.repository import (
    BookkeepingRepository,
    ConnectionRepository,
    DemoStoreRepository,
    ExecutionRepository,
)
from services.integrations.tools.registry import REGISTRY, OwnDatabaseTools, ProviderTools
from tests.support import database_work, eventually, outbox_events, provision_tenant, running

AI = Actor(kind="ai", id="agent")
Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def integrations(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = IntegrationsSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


def tool_request(tenant_id: str, conversation_id: str, tool: str, arguments: dict[str, Any], call_id: str) -> Envelope:
    return Envelope.new(
        ToolRequested(
            turn_id="turn_1",
            tool_call_id=call_id,
            idempotency_key=f"{tenant_id}:{call_id}",
            tool=tool,
            service="integrations",
            arguments=arguments,
        ),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=AI,
    )


async def refunded(runtime: ServiceRuntime, tenant_id: str, order: str) -> Decimal:
    async with runtime.db.session() as session:
        row = await DemoStoreRepository(session).order(tenant_id, order)
    assert row is not None
    return row.refunded


def test_builtin_manifests_are_valid() -> None:
    manifests = builtin_manifests()
    assert "demo_store" in manifests
    for manifest in manifests.values():
        for spec in manifest.tool_specs():
            jsonschema.Draft202012Validator.check_schema(spec.input_schema)
            assert spec.service == "integrations"


def test_every_builtin_integration_has_its_tool_handlers_registered_by_manifest_name() -> None:
    assert set(REGISTRY) == set(builtin_manifests())
    assert isinstance(REGISTRY["demo_store"], OwnDatabaseTools)  # runs in our transaction, journals nothing
    assert all(isinstance(h, ProviderTools) for name, h in REGISTRY.items() if name != "demo_store")


async def test_a_redelivered_tool_request_refunds_once(integrations: Service, event_log: EventLog) -> None:
    _, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    call_id = new_id("call")
    request = RecordedEvent(
        1,
        tool_request(tenant.tenant_id, new_id("conv"), "refund_order", {"order_number": "1001", "amount": 10}, call_id),
    )
    outcomes = []
    for _ in range(3):
        async with runtime.unit_of_work() as uow:
            outcomes.append(await service.execute(uow, request))
    assert outcomes == [True, False, False]
    assert await refunded(runtime, tenant.tenant_id, "1001") == Decimal(10)
    results = [e for e in await outbox_events(runtime, "tool.completed") if e.tenant_id == tenant.tenant_id]
    assert len(results) == 1
    assert isinstance(results[0].payload, ToolCompleted)
    assert results[0].causation_id == request.event.id


async def test_a_subscription_changes_plan_through_the_shared_shop_rules(
    integrations: Service, event_log: EventLog
) -> None:
    _, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    change = tool_request(
        tenant.tenant_id, new_id("conv"), "change_subscription", {"email": "ada@example.com", "plan": "basic"}, "c1"
    )
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, RecordedEvent(1, change))
    async with runtime.db.session() as session:
        row = await DemoStoreRepository(session).subscription(tenant.tenant_id, "ada@example.com")
    assert row is not None
    assert row.plan == "basic"
    (done,) = [e for e in await outbox_events(runtime, "tool.completed") if e.tenant_id == tenant.tenant_id]
    assert isinstance(done.payload, ToolCompleted)
    assert done.payload.result["previous_plan"] == "plus"


async def test_two_requests_for_one_tool_call_through_the_log_execute_once(
    integrations: Service, event_log: EventLog, nc: NATS
) -> None:
    _, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    conv, call_id = new_id("conv"), new_id("call")
    first = tool_request(tenant.tenant_id, conv, "refund_order", {"order_number": "1003", "amount": 5}, call_id)
    retry = tool_request(tenant.tenant_id, conv, "refund_order", {"order_number": "1003", "amount": 5}, call_id)
    positions = await event_log.append(tenant.tenant_id, conv, [first, retry], expected_version=None)

    async def settled() -> bool:
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, "integrations-tool-requests")
        return bool(info.delivered.stream_seq >= positions[-1] and info.num_ack_pending == 0)

    await eventually(settled, what="both requests to be processed")
    logged = await eventually(lambda: _completed(event_log, tenant.tenant_id, conv), what="tool.completed on the log")
    assert len(logged) == 1
    assert await refunded(runtime, tenant.tenant_id, "1003") == Decimal(5)


async def _completed(event_log: EventLog, tenant_id: str, conv: str) -> list[Envelope]:
    return [r.event for r in await event_log.read(tenant_id, conv) if r.event.type == "tool.completed"]


async def test_dry_run_sends_nothing_and_audits_the_would_be_request(
    integrations: Service, event_log: EventLog
) -> None:
    client, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    async with runtime.unit_of_work() as uow:
        assert await ConnectionRepository(uow.session).set_mode(tenant.tenant_id, "demo_store", "dry_run")
    conv = new_id("conv")
    request = RecordedEvent(
        1, tool_request(tenant.tenant_id, conv, "refund_order", {"order_number": "1001"}, new_id("call"))
    )
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request)
    assert await refunded(runtime, tenant.tenant_id, "1001") == 0
    (result,) = [e for e in await outbox_events(runtime, "tool.completed") if e.tenant_id == tenant.tenant_id]
    assert isinstance(result.payload, ToolCompleted)
    assert result.payload.dry_run
    assert result.payload.result["summary"].startswith("Would refund 129.90 USD")
    audit = await client.get(
        "/v1/integrations/audit",
        params={"conversation_id": conv},
        headers={"Authorization": f"Bearer {tenant.api_key}"},
    )
    assert audit.status_code == 200
    (entry,) = audit.json()["items"]
    assert entry["dry_run"] is True
    assert entry["request"] == {"order_number": "1001"}
    assert entry["tool"] == "refund_order"


@pytest.mark.parametrize(
    ("tool", "arguments", "kind"),
    [
        ("refund_order", {"order_number": "9999"}, "not_found"),
        ("refund_order", {"order_number": "1001", "amount": 100000}, "permanent"),
        ("launch_rockets", {}, "unknown_tool"),
    ],
)
async def test_failures_are_typed_and_audited(
    integrations: Service, event_log: EventLog, tool: str, arguments: dict[str, Any], kind: str
) -> None:
    _, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    request = RecordedEvent(1, tool_request(tenant.tenant_id, new_id("conv"), tool, arguments, new_id("call")))
    async with runtime.unit_of_work() as uow:
        await service.execute(uow, request)
    (failed,) = [e for e in await outbox_events(runtime, "tool.failed") if e.tenant_id == tenant.tenant_id]
    assert isinstance(failed.payload, ToolFailed)
    assert failed.payload.kind == kind
    assert await refunded(runtime, tenant.tenant_id, "1001") == 0


async def test_requests_for_other_services_are_ignored(integrations: Service, event_log: EventLog) -> None:
    _, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    other = Envelope.new(
        ToolRequested(
            turn_id="t",
            tool_call_id=new_id("call"),
            idempotency_key="k",
            tool="search_knowledge",
            service="knowledge",
            arguments={"query": "x"},
        ),
        tenant_id=tenant.tenant_id,
        conversation_id=new_id("conv"),
        actor=AI,
    )
    async with runtime.unit_of_work() as uow:
        assert not await service.execute(uow, RecordedEvent(1, other))


async def test_new_tenants_get_the_demo_store_catalog(integrations: Service, event_log: EventLog) -> None:
    client, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    published = [e for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id]
    assert len(published) == 1
    names = {t.name for t in published[0].payload.tools}  # type: ignore[union-attr]
    assert names == {
        "get_order_status",
        "list_customer_orders",
        "refund_order",
        "change_shipping_address",
        "get_subscription",
        "change_subscription",
    }
    listing = await client.get("/v1/integrations", headers={"Authorization": f"Bearer {tenant.api_key}"})
    (demo,) = [i for i in listing.json()["items"] if i["name"] == "demo_store"]
    assert (demo["connected"], demo["mode"]) == (True, "live")


async def test_dry_run_can_simulate_reads_too(integrations: Service, event_log: EventLog) -> None:
    client, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    r = await client.put(
        "/v1/integrations/demo_store/mode", headers=auth, json={"mode": "dry_run", "reads": "simulated"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["reads"] == "simulated"
    request = RecordedEvent(
        1, tool_request(tenant.tenant_id, new_id("conv"), "get_order_status", {"order_number": "1001"}, new_id("call"))
    )
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request)
    (result,) = [e for e in await outbox_events(runtime, "tool.completed") if e.tenant_id == tenant.tenant_id]
    assert isinstance(result.payload, ToolCompleted)
    assert result.payload.result["simulated"] is True
    assert "status" not in result.payload.result  # nothing was looked up


async def test_the_audit_answers_what_the_ai_did_for_one_customer(integrations: Service, event_log: EventLog) -> None:
    client, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    for customer, order in (("ada@example.com", "1001"), ("alan@example.com", "1003"), ("ada@example.com", "1002")):
        event = Envelope.new(
            ToolRequested(
                turn_id="t",
                tool_call_id=new_id("call"),
                idempotency_key="k",
                tool="get_order_status",
                service="integrations",
                arguments={"order_number": order},
                end_user=customer,
            ),
            tenant_id=tenant.tenant_id,
            conversation_id=new_id("conv"),
            actor=AI,
        )
        async with runtime.unit_of_work() as uow:
            await service.execute(uow, RecordedEvent(1, event))
    ada = (await client.get("/v1/integrations/audit", headers=auth, params={"end_user": "ada@example.com"})).json()
    assert sorted(e["request"]["order_number"] for e in ada["items"]) == ["1001", "1002"]
    assert {e["end_user"] for e in ada["items"]} == {"ada@example.com"}
    later = await client.get(
        "/v1/integrations/audit", headers=auth, params={"end_user": "ada@example.com", "since": "2999-01-01T00:00:00Z"}
    )
    assert later.json()["items"] == []
    await check_time_range(client, auth)
    export = await client.get("/v1/integrations/audit.csv", headers=auth, params={"end_user": "ada@example.com"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = export.text.strip().splitlines()
    assert rows[0].startswith("conversation_id,end_user,")
    assert len(rows) == 3


async def check_time_range(client: httpx2.AsyncClient, auth: dict[str, str]) -> None:
    """``since`` and ``until`` are RFC 3339 timestamps with an offset; anything else is 422 naming the parameter,
    not a Unix time (``0.5`` was 1970) or a time of no zone."""
    ada = {"end_user": "ada@example.com"}
    for params, found in (
        ({"since": "2000-01-01T02:00:00.5+02:00"}, 2),
        ({"until": "2000-01-01T00:00:00Z"}, 0),
        ({"since": "0001-01-01T00:00:00+23:59", "until": "9999-12-31T23:59:59-23:59"}, 2),  # beyond years 1 and 9999
    ):
        r = await client.get("/v1/integrations/audit", headers=auth, params={**ada, **params})
        assert (r.status_code, len(r.json()["items"])) == (200, found), (params, r.text)
    for name, value in (
        ("until", "0.5"),
        ("since", "1700000000"),
        ("since", "2026-05-01"),
        ("until", "2026-05-01T09:30:00"),
        ("since", "2026-02-30T00:00:00Z"),
        ("since", "yesterday"),
    ):
        for path in ("/v1/integrations/audit", "/v1/integrations/audit.csv"):
            r = await client.get(path, headers=auth, params={**ada, name: value})
            assert r.status_code == 422, (path, name, value, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "invalid_request", r.text
            assert [e["field"] for e in r.json()["errors"]] == [name], r.text


async def test_old_once_only_bookkeeping_is_forgotten_recent_is_kept(integrations: Service) -> None:
    runtime = integrations[1]
    tenant_id, old_call, new_call = new_id("ten"), new_id("call"), new_id("call")
    async with runtime.unit_of_work() as uow:
        attempts, once = ExecutionRepository(uow.session), BookkeepingRepository(uow.session)
        for call in (old_call, new_call):
            await attempts.record_attempt(tenant_id, call)
            await once.first_processing(tenant_id, f"evt-{call}")
        # Age one of each by ten days (the clock of the rows, not of the test).
        for table, column, key in (
            ("tool_attempts", "last_at", "tool_call_id"),
            ("processed_events", "processed_at", "event_id"),
        ):
            value = old_call if table == "tool_attempts" else f"evt-{old_call}"
            await uow.session.execute(
                text(f"UPDATE integrations.{table} SET {column} = now() - interval '10 days' WHERE {key} = :k"),  # noqa: S608
                {"k": value},
            )
    async with runtime.unit_of_work() as uow:
        gone = await BookkeepingRepository(uow.session).forget(datetime.now(UTC) - timedelta(days=7))
    assert gone >= 2
    async with runtime.unit_of_work() as uow:
        attempts, once = ExecutionRepository(uow.session), BookkeepingRepository(uow.session)
        assert await once.first_processing(tenant_id, f"evt-{old_call}")  # forgotten: new again
        assert not await once.first_processing(tenant_id, f"evt-{new_call}")  # kept
        assert (await attempts.record_attempt(tenant_id, old_call))[0] == 0
        assert (await attempts.record_attempt(tenant_id, new_call))[0] == 1


def test_every_builtin_integration_has_a_connection_check() -> None:
    assert set(CHECKS) == set(builtin_manifests())


async def test_testing_the_demo_store_counts_its_orders(integrations: Service, event_log: EventLog) -> None:
    client, runtime = integrations
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    tested = (await client.post("/v1/integrations/demo_store/test", headers=auth)).json()
    assert (tested["ok"], tested["outcome"]) == (True, "ok"), tested
    assert "orders on file" in tested["detail"]
    stripe = (await client.post("/v1/integrations/stripe/test", headers=auth)).json()
    assert (stripe["ok"], stripe["outcome"]) == (False, "not_connected")
    assert (await client.post("/v1/integrations/nope/test", headers=auth)).status_code == 404
    mcp = (await client.post("/v1/integrations/mcp/nope/test", headers=auth)).json()
    assert mcp["outcome"] == "not_connected"


async def test_a_tool_call_is_four_statements_and_its_claim_ends_with_its_status(
    integrations: Service, event_log: EventLog
) -> None:
    """The claim reads the connection, and the audit line sets the claim's status, in their own statements: one
    transaction of four (claim, the tool's read, audit, outbox); a redelivery is the claim alone, and does nothing."""
    _, runtime = integrations
    tenant_id = (await provision_tenant(event_log, runtime)).tenant_id
    looked_up = RecordedEvent(
        1, tool_request(tenant_id, new_id("conv"), "get_order_status", {"order_number": "1001"}, new_id("call"))
    )
    not_connected = RecordedEvent(
        2, tool_request(tenant_id, new_id("conv"), "zendesk_get_ticket", {"ticket_id": 1}, new_id("call"))
    )
    with database_work(runtime) as seen:
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, looked_up)
    assert seen[0] == "BEGIN"
    claim, read, audit, outbox = seen[1:]
    assert "INSERT INTO integrations.tool_executions" in claim
    assert "FROM claimed LEFT OUTER JOIN integrations.connections" in claim
    assert "integrations.demo_orders" in read
    assert "UPDATE integrations.tool_executions" in audit
    assert "INSERT INTO integrations.audit_log" in audit
    assert "INSERT INTO integrations.outbox" in outbox

    with database_work(runtime) as seen:
        async with runtime.unit_of_work() as uow:
            assert not await service.execute(uow, looked_up)  # redelivered
    assert [s.split()[0] for s in seen] == ["BEGIN", "WITH"]
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, not_connected)
    outcomes = {
        e.causation_id: e.payload for e in await outbox_events(runtime) if e.type in ("tool.completed", "tool.failed")
    }
    assert isinstance(outcomes[looked_up.event.id], ToolCompleted)
    failed = outcomes[not_connected.event.id]
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unknown_tool"
    async with runtime.db.session() as session:
        rows = await session.execute(
            text(
                "SELECT e.status, a.status, a.integration FROM integrations.tool_executions e JOIN "
                "integrations.audit_log a USING (tenant_id, tool_call_id) WHERE e.tenant_id = :t ORDER BY a.id"
            ),
            {"t": tenant_id},
        )
        assert [tuple(r) for r in rows] == [("completed", "completed", "demo_store"), ("failed", "failed", "zendesk")]
