"""MCP servers registered by a tenant, over stdio (a subprocess) and streamable HTTP (uvicorn on a free port):
their tools reach the catalog unchanged under safe names, and calls run once, audited, simulated in dry-run."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import text

from deskpilot.embedded import free_port
from deskpilot.tenants import NewTenant
from libs.events import (
    EventLog,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolsPublished,
)
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.mcp.policy import McpError, McpPolicy, McpServerRegistration, validate_registration
from services.integrations.mcp.servers import checked, provider_name
from services.integrations.tests import mcp_test_server
from services.integrations.tests.support import auth, outcome_of, tool_call
from services.integrations.vault import new_master_key
from tests.support import listening, outbox_events, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes]
HTTP_TOKEN = "mcp-http-token-9d1f-SECRET"
SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STDIO = {"transport": "stdio", "command": sys.executable, "args": ["-m", "services.integrations.tests.mcp_test_server"]}


@pytest.fixture(scope="module")
async def mcp_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = IntegrationsSettings.model_validate(
        {
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "DESKPILOT_VAULT_MASTER_KEYS": f"m1:{new_master_key()}",
            "DESKPILOT_MCP_STDIO_COMMANDS": sys.executable,
            "DESKPILOT_MCP_ALLOW_PRIVATE": "true",
        }
    )
    app = create_app(settings)
    async with running(app) as (client, runtime):
        yield client, runtime, app.state.remotes


@pytest.fixture(scope="module")
async def http_mcp_url() -> AsyncIterator[str]:
    async with listening(mcp_test_server.http_app(HTTP_TOKEN)) as base:
        yield f"{base}/mcp"


async def register(svc: Service, api_key: str, body: dict[str, Any]) -> httpx2.Response:
    return await svc[0].post("/v1/integrations/mcp", json=body, headers=auth(api_key))


LOOKUP, CANCEL = provider_name("shop", "orders.lookup"), provider_name("shop", "orders.cancel")


async def tenant_with_shop(svc: Service, event_log: EventLog, tmp_path: Path) -> tuple[NewTenant, Path]:
    """A new tenant with the stdio test server registered as "shop"; the file where it records cancellations."""
    tenant = await provision_tenant(event_log, svc[1])
    log = tmp_path / "cancelled.log"
    response = await register(svc, tenant.api_key, {"name": "shop", **STDIO, "env": {"ORDERS_LOG": str(log)}})
    assert response.status_code == 201, response.text
    return tenant, log


async def test_stdio_tools_reach_the_catalog_unchanged_under_safe_names(
    mcp_service: Service, event_log: EventLog, tmp_path: Path
) -> None:
    _, runtime, _ = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    secret_env = f"{tmp_path}/orders-SECRET-PATH.log"
    response = await register(mcp_service, tenant.api_key, {"name": "shop", **STDIO, "env": {"ORDERS_LOG": secret_env}})
    assert response.status_code == 201, response.text
    tools = {t["server_tool"]: t for t in response.json()["tools"]}
    assert set(tools) == {"orders.lookup", "orders.cancel", "cancelled_orders"}
    assert all(SAFE.match(t["name"]) for t in tools.values())
    assert tools["orders.lookup"]["name"] == LOOKUP
    assert tools["orders.lookup"]["annotations"] == {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
    }
    assert tools["orders.cancel"]["input_schema"]["required"] == ["order_number"]

    latest = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id][-1]
    assert isinstance(latest, ToolsPublished)
    specs = {t.name: t for t in latest.tools}
    assert {LOOKUP, CANCEL, "get_order_status"} <= set(specs)
    assert specs[LOOKUP].input_schema == tools["orders.lookup"]["input_schema"]
    assert (specs[LOOKUP].risk, specs[CANCEL].risk) == ("read", "write")
    assert specs[LOOKUP].annotations == tools["orders.lookup"]["annotations"]  # reach the agent unchanged
    assert specs[CANCEL].integration == "mcp:shop"

    listed = await mcp_service[0].get("/v1/integrations/mcp", headers=auth(tenant.api_key))
    assert [s["name"] for s in listed.json()["items"]] == ["shop"]
    assert "SECRET-PATH" not in listed.text
    async with runtime.db.session() as session:
        dump = (
            await session.execute(
                text(
                    "SELECT (SELECT string_agg(m::text, ' ') FROM integrations.mcp_servers m WHERE tenant_id = :t) "
                    "|| (SELECT string_agg(v::text, ' ') FROM integrations.vault_secrets v WHERE tenant_id = :t)"
                ),
                {"t": tenant.tenant_id},
            )
        ).scalar_one()
    assert "mcp:shop:credentials" in dump
    assert "SECRET-PATH" not in dump


async def test_an_mcp_call_runs_once_and_is_audited(mcp_service: Service, event_log: EventLog, tmp_path: Path) -> None:
    client, runtime, remotes = mcp_service
    tenant, log = await tenant_with_shop(mcp_service, event_log, tmp_path)
    request = tool_call(tenant.tenant_id, CANCEL, {"order_number": "1001"})
    done = []
    for _ in range(3):
        async with runtime.unit_of_work() as uow:
            done.append(await service.execute(uow, request, remotes))
    assert done == [True, False, False]
    assert log.read_text() == "1001\n"
    result = await outcome_of(runtime, request)
    assert isinstance(result, ToolCompleted), result
    assert result.result["result"]["cancelled"] == "1001"
    audit = await client.get(
        "/v1/integrations/audit",
        params={"conversation_id": request.event.conversation_id},
        headers=auth(tenant.api_key),
    )
    (entry,) = audit.json()["items"]
    assert (entry["integration"], entry["tool"], entry["status"]) == ("mcp:shop", CANCEL, "completed")

    refused = tool_call(tenant.tenant_id, CANCEL, {"order_number": "0"})
    async with runtime.unit_of_work() as uow:
        await service.execute(uow, refused, remotes)
    failed = await outcome_of(runtime, refused)
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "permanent"
    assert failed.message.endswith("order 0 cannot be cancelled")


class Crash(Exception):
    """The process dies after the MCP call, before our commit."""


async def test_after_a_crash_a_destructive_mcp_call_is_not_repeated_but_a_read_is(
    mcp_service: Service, event_log: EventLog, tmp_path: Path
) -> None:
    _, runtime, remotes = mcp_service
    tenant, log = await tenant_with_shop(mcp_service, event_log, tmp_path)

    async def execute_then_die(request: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, remotes)
            raise Crash

    cancel = tool_call(tenant.tenant_id, CANCEL, {"order_number": "42"})
    lookup = tool_call(tenant.tenant_id, LOOKUP, {"order_number": "42"})
    for request in (cancel, lookup):
        with pytest.raises(Crash):
            await execute_then_die(request)
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, remotes)  # the redelivery
    assert log.read_text() == "42\n"  # cancelled once, by the first attempt
    unknown = await outcome_of(runtime, cancel)
    assert isinstance(unknown, ToolFailed)
    assert unknown.kind == "outcome_unknown"
    read = await outcome_of(runtime, lookup)  # readOnlyHint: simply asked again
    assert isinstance(read, ToolCompleted)
    assert read.result["result"]["order_number"] == "42"


async def test_dry_run_reads_for_real_and_simulates_destructive_tools(
    mcp_service: Service, event_log: EventLog, tmp_path: Path
) -> None:
    _, runtime, remotes = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    log = tmp_path / "cancelled.log"
    body = {"name": "shop", **STDIO, "env": {"ORDERS_LOG": str(log), "ORDERS_REGION": "eu"}, "mode": "dry_run"}
    assert (await register(mcp_service, tenant.api_key, body)).status_code == 201
    lookup = tool_call(tenant.tenant_id, LOOKUP, {"order_number": "7"})
    cancel = tool_call(tenant.tenant_id, CANCEL, {"order_number": "7"})
    for request in (lookup, cancel):
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, remotes)
    read = await outcome_of(runtime, lookup)
    assert isinstance(read, ToolCompleted)
    assert read.result["result"] == {"order_number": "7", "status": "shipped", "region": "eu"}
    simulated = await outcome_of(runtime, cancel)
    assert isinstance(simulated, ToolCompleted)
    assert simulated.dry_run
    assert simulated.result["would_call"] == "orders.cancel"
    assert not log.exists()


async def test_a_streamable_http_server_with_credentials(
    mcp_service: Service, event_log: EventLog, http_mcp_url: str
) -> None:
    _, runtime, remotes = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    wrong = await register(
        mcp_service,
        tenant.api_key,
        {"name": "remote", "transport": "http", "url": http_mcp_url, "headers": {"Authorization": "Bearer nope"}},
    )
    assert wrong.status_code == 201, wrong.text  # saved, with no tools and why (no 5xx, no refusal)
    assert (wrong.json()["tools"], "could not list the tools" in wrong.json()["problem"]) == ([], True)
    assert "nope" not in wrong.text
    body = {
        "name": "remote",
        "transport": "http",
        "url": http_mcp_url,
        "headers": {"Authorization": f"Bearer {HTTP_TOKEN}"},
    }
    response = await register(mcp_service, tenant.api_key, body)
    assert response.status_code == 201, response.text
    assert response.json()["problem"] is None
    assert HTTP_TOKEN not in response.text
    before = len(mcp_test_server.CANCELLED)
    cancel = tool_call(tenant.tenant_id, provider_name("remote", "orders.cancel"), {"order_number": "55"})
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, cancel, remotes)
    result = await outcome_of(runtime, cancel)
    assert isinstance(result, ToolCompleted), result
    assert mcp_test_server.CANCELLED[before:] == ["55"]
    async with runtime.db.session() as session:
        dump = (await session.execute(text("SELECT string_agg(t::text, ' ') FROM integrations.mcp_servers t"))).scalar()
    assert HTTP_TOKEN not in str(dump)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "evil", "transport": "stdio", "command": "/bin/sh", "args": ["-c", "id"]}, 403),  # operator's list
        ({"name": "both", **STDIO, "url": "http://example.com/mcp"}, 422),
        ({"name": "nourl", "transport": "http"}, 422),
        ({"name": "preload", **STDIO, "env": {"LD_PRELOAD": "/opt/x.so"}}, 422),
        ({"name": "pypath", **STDIO, "env": {"PYTHONPATH": "/opt"}}, 422),
        ({"name": "Bad Name", **STDIO}, 422),
        ({"name": "port", "transport": "http", "url": "http://example.com:65536/mcp"}, 422),  # the URL's pattern
        ({"name": "userinfo", "transport": "http", "url": "http://a@example.com/mcp"}, 422),
        ({"name": "nocommand", "transport": "stdio"}, 422),
    ],
)
async def test_bad_registrations_are_refused(
    mcp_service: Service, event_log: EventLog, body: dict[str, Any], status: int
) -> None:
    tenant = await provision_tenant(event_log, mcp_service[1])
    response = await register(mcp_service, tenant.api_key, body)
    assert response.status_code == status, response.text
    assert json.loads(response.text)


async def test_mode_switch_and_disconnect_of_an_mcp_server(
    mcp_service: Service, event_log: EventLog, tmp_path: Path
) -> None:
    client, runtime, remotes = mcp_service
    tenant, log = await tenant_with_shop(mcp_service, event_log, tmp_path)
    switched = await client.put(
        "/v1/integrations/mcp/shop/mode", json={"mode": "dry_run"}, headers=auth(tenant.api_key)
    )
    assert switched.json() == {"integration": "mcp:shop", "mode": "dry_run", "reads": "live"}
    cancel = tool_call(tenant.tenant_id, CANCEL, {"order_number": "9"})
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, cancel, remotes)
    simulated = await outcome_of(runtime, cancel)
    assert isinstance(simulated, ToolCompleted)
    assert simulated.dry_run
    assert not log.exists()
    assert (await client.delete("/v1/integrations/mcp/shop", headers=auth(tenant.api_key))).status_code == 204
    latest = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id][-1]
    assert isinstance(latest, ToolsPublished)
    assert not {LOOKUP, CANCEL} & {t.name for t in latest.tools}
    after = tool_call(tenant.tenant_id, LOOKUP, {"order_number": "9"})
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, after, remotes)
    failed = await outcome_of(runtime, after)
    assert isinstance(failed, ToolFailed)
    assert failed.kind == "unknown_tool"
    missing = await client.put("/v1/integrations/mcp/nope/mode", json={"mode": "live"}, headers=auth(tenant.api_key))
    assert missing.status_code == 404


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/mcp", "http://localhost/mcp", "http://10.1.2.3/mcp"])
async def test_private_urls_are_refused_unless_allowed(url: str) -> None:
    registration = McpServerRegistration(name="remote", transport="http", url=url)
    with pytest.raises(McpError) as refused:
        await validate_registration(registration, McpPolicy(stdio_commands=frozenset(), allow_private=False, timeout=5))
    assert refused.value.status == 403  # the operator's policy, not the request's shape
    await validate_registration(registration, McpPolicy(stdio_commands=frozenset(), allow_private=True, timeout=5))


def test_provider_names_are_safe_and_distinct() -> None:
    names = {provider_name("s", t) for t in ("a.b", "a_b", "a b", "x" * 100, "x" * 101)}
    assert len(names) == 5
    assert all(SAFE.match(n) for n in names)
    assert provider_name("s", "plain_name") == "mcp_s__plain_name"


async def test_refreshing_a_server_publishes_the_tools_it_offers_now(
    mcp_service: Service, event_log: EventLog, tmp_path: Path
) -> None:
    client, runtime, _ = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    features = tmp_path / "features"
    body = {"name": "shop", **STDIO, "env": {"ORDERS_FEATURES": str(features)}, "mode": "dry_run"}
    assert (await register(mcp_service, tenant.api_key, body)).status_code == 201
    refund = provider_name("shop", "orders.refund")

    async def published() -> set[str]:
        events = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id]
        assert isinstance(events[-1], ToolsPublished)
        return {t.name for t in events[-1].tools}

    assert refund not in await published()
    features.write_text("refunds")  # the server now offers a refund tool
    refreshed = await client.post("/v1/integrations/mcp/shop/refresh", headers=auth(tenant.api_key))
    assert refreshed.status_code == 200, refreshed.text
    assert refund in {t["name"] for t in refreshed.json()["tools"]}
    assert refreshed.json()["mode"] == "dry_run"  # the server's settings are kept
    assert {refund, LOOKUP, CANCEL} <= await published()
    missing = await client.post("/v1/integrations/mcp/nope/refresh", headers=auth(tenant.api_key))
    assert missing.status_code == 404


async def test_the_operators_current_policy_applies_at_every_call(
    mcp_service: Service, event_log: EventLog, http_mcp_url: str, tmp_path: Path
) -> None:
    _, runtime, remotes = mcp_service
    tenant, log = await tenant_with_shop(mcp_service, event_log, tmp_path)
    remote = {
        "name": "remote",
        "transport": "http",
        "url": http_mcp_url,
        "headers": {"Authorization": f"Bearer {HTTP_TOKEN}"},
    }
    assert (await register(mcp_service, tenant.api_key, remote)).status_code == 201
    before = len(mcp_test_server.CANCELLED)
    # The operator empties the stdio allow-list and stops allowing private addresses (a host now resolving to one).
    tightened = dataclasses.replace(remotes, mcp=McpPolicy(stdio_commands=frozenset(), allow_private=False, timeout=5))
    for tool in (CANCEL, provider_name("remote", "orders.cancel")):
        request = tool_call(tenant.tenant_id, tool, {"order_number": "77"})
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, tightened)
        refused = await outcome_of(runtime, request)
        assert isinstance(refused, ToolFailed), refused
        assert (refused.kind, "was not called" in refused.message) == ("permanent", True)
    assert not log.exists()
    assert len(mcp_test_server.CANCELLED) == before


async def test_a_write_that_never_answers_is_an_unknown_outcome_not_a_retry_invitation(
    mcp_service: Service, event_log: EventLog, http_mcp_url: str
) -> None:
    _, runtime, remotes = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    mcp_test_server.offer_slow_cancel()
    remote = {
        "name": "slow",
        "transport": "http",
        "url": http_mcp_url,
        "headers": {"Authorization": f"Bearer {HTTP_TOKEN}"},
    }
    assert (await register(mcp_service, tenant.api_key, remote)).status_code == 201
    impatient = dataclasses.replace(remotes, mcp=dataclasses.replace(remotes.mcp, timeout=1.0))
    request = tool_call(tenant.tenant_id, provider_name("slow", "orders.slow_cancel"), {"order_number": "88"})
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, impatient)
    failed = await outcome_of(runtime, request)
    assert isinstance(failed, ToolFailed), failed
    assert failed.kind == "outcome_unknown"  # the server did act: a retry would cancel twice
    assert "88" in mcp_test_server.CANCELLED


async def test_an_unreachable_server_is_saved_with_its_problem_and_listed_once_it_answers(
    mcp_service: Service, event_log: EventLog
) -> None:
    client, runtime, _ = mcp_service
    tenant = await provision_tenant(event_log, runtime)
    headers = auth(tenant.api_key)
    port = free_port()  # nothing listens there yet
    body = {
        "name": "later",
        "transport": "http",
        "url": f"http://127.0.0.1:{port}/mcp",
        "headers": {"Authorization": f"Bearer {HTTP_TOKEN}"},
    }
    cancel = provider_name("later", "orders.cancel")

    async def published() -> set[str]:
        events = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id]
        assert isinstance(events[-1], ToolsPublished)
        return {t.name for t in events[-1].tools}

    async def shown() -> dict[str, Any]:
        items = (await client.get("/v1/integrations/mcp", headers=headers)).json()["items"]
        assert [s["name"] for s in items] == ["later"]
        return dict(items[0])

    saved = await register(mcp_service, tenant.api_key, body)
    assert saved.status_code == 201, saved.text
    assert (saved.json()["tools"], "could not list the tools of MCP server 'later'" in saved.json()["problem"]) == (
        [],
        True,
    )
    assert HTTP_TOKEN not in saved.text
    assert (await shown())["problem"] == saved.json()["problem"]
    assert cancel not in await published()
    down = await client.post("/v1/integrations/mcp/later/refresh", headers=headers)
    assert down.status_code == 502, down.text
    assert (await shown())["problem"]
    async with listening(mcp_test_server.http_app(HTTP_TOKEN), port=port):
        refreshed = await client.post("/v1/integrations/mcp/later/refresh", headers=headers)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["problem"] is None
    assert cancel in {t["name"] for t in refreshed.json()["tools"]}
    listed = await shown()
    assert (listed["problem"], cancel in {t["name"] for t in listed["tools"]}) == (None, True)
    assert cancel in await published()


async def test_a_host_that_does_not_resolve_is_saved_with_its_problem(
    mcp_service: Service, event_log: EventLog
) -> None:
    tenant = await provision_tenant(event_log, mcp_service[1])
    nowhere = {"name": "nowhere", "transport": "http", "url": "http://nowhere.invalid/mcp"}
    saved = await register(mcp_service, tenant.api_key, nowhere)
    assert saved.status_code == 201, saved.text
    assert (saved.json()["tools"], saved.json()["problem"].startswith("could not")) == ([], True)
    strict = McpPolicy(stdio_commands=frozenset(), allow_private=False, timeout=5)
    registration = McpServerRegistration(name="nowhere", transport="http", url="http://nowhere.invalid/mcp")
    tools, problem = await checked(registration, strict)
    assert (tools, str(problem).startswith("could not reach MCP server 'nowhere'")) == ([], True)
    private = McpServerRegistration(name="private", transport="http", url="http://127.0.0.1:1/mcp")
    with pytest.raises(McpError) as refused:  # a policy refusal is not a problem to record: still 403
        await checked(private, strict)
    assert refused.value.status == 403
