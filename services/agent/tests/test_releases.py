"""Agent releases on a real event log and database: the publish gate replays a recorded conversation against the
draft and shows the write action it would change; the policy decides what blocks; a rollout takes its share of new
conversations by conversation id, none switches mid-way, and a rollback applies to the next new conversation."""

from __future__ import annotations

import argparse
import json
import math
import re
from decimal import Decimal
from typing import Any, cast

import httpx
import httpx2
import pytest
from deskpilot_client import AuthenticatedClient

from deskpilot.releases_cli import command
from libs import demo_store
from libs.demo_store import MemoryDemoStore, StoreError
from libs.events import (
    SYSTEM,
    Actor,
    AgentTurnStarted,
    ConversationResolved,
    Envelope,
    EventLog,
    MessageReceived,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolsPublished,
    new_id,
)
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import ModelRequest, ModelResponse, ToolCall
from services.agent.simulation.world import SEARCH_KNOWLEDGE
from services.agent.tests.test_loop import new_conversation
from tests.support import eventually, provision_tenant, running

ORDER = re.compile(r"order\s+#?(\d{3,12})", re.IGNORECASE)
REFUND = (demo_store.PROCEDURES_DIR / "refund-within-30-days.yaml").read_text()
CUSTOMER = Actor(kind="customer", id="c")
SHOP = Actor(kind="system", id="integrations")


class RefundingModel:
    """Looks an order up and refunds 20 of it whenever a customer mentions a refund, whatever it is told."""

    provider = "anthropic"
    model = "claude-sonnet-4-6"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        last = request.messages[-1]
        if last.role == "tool":
            if last.tool_name == "get_order_status" and last.result is not None:
                refund = {"order_number": last.result["order_number"], "amount": 20}
                return ModelResponse("", [ToolCall(new_id("call"), "refund_order", refund)], 100, 10, "tool_use")
            return ModelResponse(f"About your refund: {last.text or json.dumps(last.result)}", [], 100, 10, "end_turn")
        order = ORDER.search(last.text)
        if order and "refund" in last.text.lower():
            lookup = {"order_number": order.group(1)}
            return ModelResponse("", [ToolCall(new_id("call"), "get_order_status", lookup)], 100, 10, "tool_use")
        return ModelResponse("Hello! How can I help?", [], 100, 10, "end_turn")


async def _append(log: EventLog, tenant: str, conv: str, payload: Any, actor: Actor, cause: Envelope | None) -> None:
    event = Envelope.new(payload, tenant_id=tenant, conversation_id=conv, actor=actor, caused_by=cause)
    await log.append(tenant, conv, [event], None)


async def recorded_refund(log: EventLog, tenant: str) -> str:
    """A conversation the agent (with no procedure yet) ends with a refund of order 1005, delivered long ago."""
    shop = MemoryDemoStore()
    conv = await new_conversation(log, tenant, "please look up order 1005 and refund it")
    answered: set[str] = set()

    async def replied() -> bool:
        events = await log.read(tenant, conv)
        for r in events:
            request = r.event.payload
            if isinstance(request, ToolRequested) and request.tool_call_id not in answered:
                answered.add(request.tool_call_id)
                try:
                    out = await demo_store.run_tool(
                        shop, request.tool, request.arguments, request.idempotency_key, False
                    )
                    done: Any = ToolCompleted(
                        turn_id=request.turn_id,
                        tool_call_id=request.tool_call_id,
                        tool=request.tool,
                        result=out,
                        latency_ms=1,
                    )
                except StoreError as exc:
                    done = ToolFailed(
                        turn_id=request.turn_id,
                        tool_call_id=request.tool_call_id,
                        tool=request.tool,
                        kind=exc.kind,
                        message=exc.message,
                        latency_ms=1,
                    )
                await _append(log, tenant, conv, done, SHOP, r.event)
        return any(r.event.type == "agent.replied" for r in events)

    await eventually(replied, timeout=30, what="the recorded conversation's reply")
    assert len(shop.refunds) == 1
    await _append(log, tenant, conv, ConversationResolved(by="ai"), SYSTEM, None)
    return conv


async def _release_of_turns(log: EventLog, tenant: str, conv: str) -> list[int | None]:
    return [
        r.event.payload.release for r in await log.read(tenant, conv) if isinstance(r.event.payload, AgentTurnStarted)
    ]


async def turns_under(log: EventLog, tenant: str, conversations: list[str], turns: int) -> dict[str, list[int | None]]:
    """Each conversation's releases per turn, once each has had ``turns`` turns."""
    seen: dict[str, list[int | None]] = {}

    async def all_there() -> bool:
        for conv in conversations:
            if len(seen.get(conv, [])) < turns:
                seen[conv] = await _release_of_turns(log, tenant, conv)
        return all(len(seen[c]) >= turns for c in conversations)

    await eventually(all_there, timeout=240, what=f"{turns} turn(s) in {len(conversations)} conversations")
    return seen


async def published(client: httpx2.AsyncClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/agent/releases`` (202: a gate run), then the run once it has its verdict."""
    r = await client.post("/v1/agent/releases", headers=auth, json=body)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"

    async def verdict() -> dict[str, Any] | None:
        run = (await client.get(r.json()["url"], headers=auth)).json()
        return dict(run) if run["status"] in ("passed", "blocked", "failed") else None

    return await eventually(verdict, timeout=120, what="the gate's verdict")


async def say(log: EventLog, tenant: str, conversations: list[str], text: str) -> None:
    for conv in conversations:
        message = MessageReceived(message_id=new_id("msg"), text=text)
        await _append(log, tenant, conv, message, CUSTOMER, None)


async def test_releases_are_gated_diffed_rolled_out_by_share_and_rolled_back(
    nats_url: str, database_url: str, event_log: EventLog, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    app = create_app(settings, model=RefundingModel())
    async with running(app) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        other = await provision_tenant(event_log, runtime, "Other")
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        catalog = ToolsPublished(service="integrations", tools=demo_store.tool_specs())
        await event_log.publish(Envelope.new(catalog, tenant_id=tenant.tenant_id, actor=SYSTEM))

        async def catalog_ready() -> bool:
            tools = (await client.get("/v1/agent/tools", headers=auth)).json()["tools"]
            return any(t["name"] == "refund_order" for t in tools)

        await eventually(catalog_ready, what="the catalog to reach the agent")
        recorded = await recorded_refund(event_log, tenant.tenant_id)

        first = await published(client, auth, {"notes": "as it is", "by": "ada"})
        assert first["status"] == "passed", first
        assert first["release"]["role"] == "stable"
        assert first["gate"]["replay"]["write_difference_pct"] == 0.0

        r = await client.post("/v1/agent/procedures", headers=auth, json={"source": REFUND})
        assert r.status_code == 201, r.text
        strict = {"max_write_difference_pct": 0}
        assert (await client.put("/v1/agent/releases/gate-policy", headers=auth, json=strict)).status_code == 200
        blocked = await published(client, auth, {"notes": "refund policy"})
        assert (blocked["status"], blocked["release"]) == ("blocked", None)
        assert "would take another write action" in blocked["reasons"][0]
        assert len((await client.get("/v1/agent/releases", headers=auth)).json()["items"]) == 1
        await check_blocked_again(client, auth, blocked)

        # Another gate policy is another gate: the publish is accepted and runs.
        assert (await client.put("/v1/agent/releases/gate-policy", headers=auth, json={})).status_code == 200
        second = await published(client, auth, {"notes": "refund policy", "by": "ada"})
        assert second["status"] == "passed", second
        (changed,) = second["gate"]["write_changes"]
        assert changed["conversation_id"] == recorded
        assert [(c["change"], c["tool"]) for c in changed["changes"]] == [("missing", "refund_order")]
        assert second["release"]["number"] == 2
        assert second["release"]["role"] == "idle"

        await check_diff(client, auth, {"Authorization": f"Bearer {other.api_key}"})
        on_two = await check_rollout(client, auth, event_log, tenant.tenant_id)
        await check_figures(client, auth, on_two)
        transport = httpx.ASGITransport(app=cast(Any, app))
        cli = AuthenticatedClient(base_url="http://t", token=tenant.api_key, httpx_args={"transport": transport})
        async with cli:
            await check_cli(cli, capsys)


async def check_blocked_again(client: httpx2.AsyncClient, auth: dict[str, str], blocked: dict[str, Any]) -> None:
    """The same draft, gate policy and suites again: 409 at once with the gate's reasons; no run, nothing saved."""
    runs = len((await client.get("/v1/agent/releases/gate-runs", headers=auth)).json()["items"])
    r = await client.post("/v1/agent/releases", headers=auth, json={"notes": "once more"})
    assert (r.status_code, r.json()["code"]) == (409, "gate_blocked"), r.text
    assert blocked["reasons"][0] in r.json()["detail"]
    assert blocked["id"] in r.json()["detail"]
    assert len((await client.get("/v1/agent/releases/gate-runs", headers=auth)).json()["items"]) == runs
    assert len((await client.get("/v1/agent/releases", headers=auth)).json()["items"]) == 1


async def check_cli(client: AuthenticatedClient, capsys: pytest.CaptureFixture[str]) -> None:
    """``deskpilot releases …`` prints what the API answers, and fails with its reasons."""
    assert await command(client, argparse.Namespace(action="list")) == 0
    assert "stable: release 1" in capsys.readouterr().out
    assert await command(client, argparse.Namespace(action="diff", a="1", b="2")) == 0
    assert "+1. Look the order up with get_order_status" in capsys.readouterr().out
    too_much = argparse.Namespace(action="rollout", number=2, share=150.0, by="cli")
    assert await command(client, too_much) == 1
    refused = capsys.readouterr().out
    assert refused.startswith("422: "), refused
    assert "  - share: " in refused, refused  # the problem's field errors too
    assert await command(client, argparse.Namespace(action="rollback", to=None, by="cli")) == 1
    assert "nothing is being rolled out" in capsys.readouterr().out
    assert await command(client, argparse.Namespace(action="promote", number=2, by="cli")) == 0
    assert "stable: release 2" in capsys.readouterr().out
    assert await command(client, argparse.Namespace(action="publish", notes="again", suite=[], by="cli")) == 0
    assert "published release 3 (idle" in capsys.readouterr().out  # it waited for the gate's verdict


async def check_diff(client: httpx2.AsyncClient, auth: dict[str, str], others: dict[str, str]) -> None:
    diff = (await client.get("/v1/agent/releases/1/diff/2", headers=auth)).json()
    texts = {t["field"]: t["diff"] for t in diff["texts"]}
    assert any(line.startswith("+1. Look the order up") for line in texts["procedures.refund-within-30-days.steps"])
    fields = {f["field"]: f for f in diff["fields"]}
    assert fields["procedures.refund-within-30-days.guards"]["change"] == "added"
    assert (await client.get("/v1/agent/releases/2/diff/draft", headers=auth)).json()["identical"] is True
    assert (await client.get("/v1/agent/releases/1/diff/2", headers=others)).status_code == 404
    assert (await client.get("/v1/agent/releases/9/diff/2", headers=auth)).status_code == 404
    # Beyond a PostgreSQL integer, or not ASCII digits: a 404 or 422 problem, never the driver's 500.
    assert (await client.get("/v1/agent/releases/4294967296/diff/2", headers=auth)).status_code == 404
    assert (await client.get("/v1/agent/releases/44073164737/diff/2", headers=auth)).status_code == 404
    assert (await client.get("/v1/agent/releases/%C2%B2/diff/2", headers=auth)).status_code == 404
    for bad in ("44073164737", "0"):
        r = await client.get(f"/v1/agent/releases/{bad}", headers=auth)
        assert (r.status_code, r.headers["content-type"]) == (422, "application/problem+json"), (bad, r.text)
    for action, body in (("promote", {}), ("rollout", {"share": 5})):
        r = await client.post(f"/v1/agent/releases/17179869184/{action}", headers=auth, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "number"
    for to in (17179869184, True, 1.5, "1"):  # true and "1" were taken as release 1
        r = await client.post("/v1/agent/releases/rollback", headers=auth, json={"to": to})
        assert r.status_code == 422, (to, r.text)


async def check_figures(client: httpx2.AsyncClient, auth: dict[str, str], on_two: int) -> None:
    """Every turn recorded its release: each release's conversations, their cost and their outcomes."""

    async def counted() -> dict[int, Any] | None:
        items = (await client.get("/v1/agent/releases", headers=auth)).json()["items"]
        figures = {i["number"]: i["figures"] for i in items if i["figures"]}
        conversations = {n: f["conversations"] for n, f in figures.items()}
        return figures if conversations == {1: 230 - on_two, 2: on_two} else None

    figures = await eventually(counted, timeout=60, what="the figures per release")
    assert Decimal(figures[2]["cost_usd"]) > 0
    assert figures[1]["handoff_pct"] == 0.0
    assert figures[1]["csat"] is None


async def check_rollout(client: httpx2.AsyncClient, auth: dict[str, str], log: EventLog, tenant: str) -> int:
    for refused in (150, "20", ""):  # a JSON number of 0-100, as the contract says
        too_much = await client.post("/v1/agent/releases/2/rollout", headers=auth, json={"share": refused})
        assert too_much.status_code == 422, refused
    fine = await client.post("/v1/agent/releases/2/rollout", headers=auth, json={"share": 12.345, "by": "ada"})
    assert (fine.status_code, fine.json()["share"]) == (200, "12.34")  # to hundredths, not refused for it
    r = await client.post("/v1/agent/releases/2/rollout", headers=auth, json={"share": 20, "by": "ada"})
    assert r.status_code == 200, r.text
    assert (r.json()["stable"], r.json()["rollout"], r.json()["share"]) == (1, 2, "20.00")

    conversations = [await new_conversation(log, tenant, "hello") for _ in range(200)]
    first = await turns_under(log, tenant, conversations, 1)
    on_two = sum(first[c][0] == 2 for c in conversations)
    assert {first[c][0] for c in conversations} <= {1, 2}
    spread = 4.5 * math.sqrt(200 * 0.2 * 0.8)  # ±4.5 standard deviations of a binomial(200, 0.2): 40 ± 25
    assert 40 - spread <= on_two <= 40 + spread, on_two

    rolled_back = await client.post("/v1/agent/releases/rollback", headers=auth, json={"by": "grace"})
    assert rolled_back.status_code == 200, rolled_back.text
    assert (rolled_back.json()["rollout"], rolled_back.json()["history"][0]["by"]) == (None, "grace")
    await say(log, tenant, conversations, "hello again")
    second = await turns_under(log, tenant, conversations, 2)
    assert all(second[c][1] == second[c][0] for c in conversations)  # nobody switched mid-way
    fresh = [await new_conversation(log, tenant, "hello") for _ in range(30)]
    after = await turns_under(log, tenant, fresh, 1)
    assert {after[c][0] for c in fresh} == {1}
    return on_two


class SearchingModel:
    """Searches the knowledge base with whatever the customer says, then answers with what it found."""

    provider = "anthropic"
    model = "claude-sonnet-4-6"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        last = request.messages[-1]
        if last.role == "tool":
            return ModelResponse("Here is what I found.", [], 100, 10, "end_turn")
        search = ToolCall(new_id("call"), "search_knowledge", {"query": last.text})
        return ModelResponse("", [search], 100, 10, "tool_use")


async def test_a_release_pins_the_knowledge_scope_its_searches_carry(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=SearchingModel())) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        catalog = ToolsPublished(service="knowledge", tools=[SEARCH_KNOWLEDGE])
        await event_log.publish(Envelope.new(catalog, tenant_id=tenant.tenant_id, actor=SYSTEM))

        async def catalog_ready() -> bool:
            tools = (await client.get("/v1/agent/tools", headers=auth)).json()["tools"]
            return any(t["name"] == "search_knowledge" for t in tools)

        await eventually(catalog_ready, what="the knowledge tools to reach the agent")
        scope = "/v1/agent/releases/draft/knowledge"
        bad = await client.put(scope, headers=auth, json={"collections": ["not an id!"]})
        assert bad.status_code == 422, bad.text
        assert "collections" in bad.text
        r = await client.put(scope, headers=auth, json={"collections": ["col_faq", "col_faq"]})
        assert (r.status_code, r.json()) == (200, {"collections": ["col_faq"]})
        assert (await client.get("/v1/agent/releases/draft", headers=auth)).json()["knowledge"] == r.json()
        assert (await published(client, auth, {}))["status"] == "passed"

        assert (await client.put(scope, headers=auth, json={"collections": None})).status_code == 200
        diff = (await client.get("/v1/agent/releases/1/diff/draft", headers=auth)).json()
        assert diff["fields"] == [
            {"field": "knowledge.collections", "change": "changed", "old": ["col_faq"], "new": None}
        ]

        conv = await new_conversation(event_log, tenant.tenant_id, "how long do refunds take?")

        async def searched() -> ToolRequested | None:
            events = await event_log.read(tenant.tenant_id, conv)
            return next((r.event.payload for r in events if isinstance(r.event.payload, ToolRequested)), None)

        request = await eventually(searched, what="the agent's search under release 1")
        assert (request.tool, request.knowledge_collections) == ("search_knowledge", ("col_faq",))
