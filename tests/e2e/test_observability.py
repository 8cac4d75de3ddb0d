"""What an operator sees of a running platform: every service's Prometheus ``/metrics`` after a conversation, and
one trace per turn exported over OTLP/HTTP to a local receiver that decodes the real protobuf."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from deskpilot.embedded import free_port
from deskpilot.supervisor import SERVICES
from libs.events import new_id
from libs.events.streams import EVENTS_STREAM
from libs.platform import nats_auth
from tests.e2e.conftest import Platform
from tests.otlp import OtlpReceiver, ReceivedSpan
from tests.support import eventually, platform_env, start_platform, stop_platform

Samples = list[Sample]


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    received = OtlpReceiver().start()
    try:
        yield received
    finally:
        received.stop()


@pytest.fixture(scope="module")
def platform(
    nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver
) -> Iterator[Platform]:
    """``deskpilot up`` configured by the standard variables alone to export traces to ``receiver``, message
    content included."""
    data_dir: Path = tmp_path_factory.mktemp("observed")
    env = platform_env(NATS_URL=nats_url, DATABASE_URL=database_url)
    env.update(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
        }
    )
    log = data_dir / "platform.log"
    port = free_port()
    proc, api_key = start_platform(data_dir, port, env, log, timeout=420)
    try:
        yield Platform(f"http://127.0.0.1:{port}", api_key, data_dir, env, proc, log)
    finally:
        stop_platform(proc)


async def scrape(client: httpx2.AsyncClient, url: str) -> tuple[set[str], Samples]:
    """The metric families a service declares and every sample it exposes, parsed by prometheus-client."""
    r = await client.get(f"{url}/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(r.text))
    return {f.name for f in families}, [s for f in families for s in f.samples]


def value(samples: Iterable[Sample], name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (0 when none)."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


async def one_turn(
    client: httpx2.AsyncClient, platform: Platform, text: str, cid: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Post ``text`` (to a new conversation unless ``cid``); the conversation's events once it is answered."""
    if cid is None:
        r = await client.post(f"{platform.base}/v1/conversations", headers=platform.headers())
        assert r.status_code == 201, r.text
        cid = r.json()["id"]

    async def events() -> list[dict[str, Any]]:
        r = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
        assert r.status_code == 200, r.text
        found: list[dict[str, Any]] = r.json()["events"]
        return found

    def replies(found: list[dict[str, Any]]) -> int:
        return sum(e["type"] == "agent.replied" for e in found)

    before = replies(await events())
    r = await client.post(
        f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text}
    )
    assert r.status_code == 202, r.text

    async def replied() -> list[dict[str, Any]] | None:
        found = await events()
        return found if replies(found) > before else None

    return cid, await eventually(replied, timeout=60, what=f"the reply in {cid}")


async def park_a_poison_message(platform: Platform, tenant_id: str) -> None:
    """Bytes that are no event, on a conversation subject every service's consumers of new messages read."""
    nc = await nats_auth.connect(json.loads((platform.data_dir / "runtime.json").read_text())["nats_url"])
    try:
        subject = f"dp.conv.{tenant_id}.{new_id('cnv')}.message.received"
        await nc.jetstream().publish(subject, b"not an event", stream=EVENTS_STREAM)
    finally:
        await nc.close()


FAMILIES = {
    "deskpilot_http_requests",
    "deskpilot_http_request_duration_seconds",
    "deskpilot_consumer_messages",
    "deskpilot_consumer_redeliveries",
    "deskpilot_consumer_lag",
    "deskpilot_consumer_ack_pending",
    "deskpilot_consumer_in_flight",
    "deskpilot_dead_letters",
    "deskpilot_outbox_backlog",
    "deskpilot_turn_duration_seconds",
    "deskpilot_model_tokens",
    "deskpilot_model_cost_usd",
    "deskpilot_tool_calls",
    "deskpilot_tool_duration_seconds",
    "deskpilot_sla_breaches",
    "process_cpu_seconds",
}


async def test_every_service_exposes_metrics_that_move_with_a_conversation(platform: Platform) -> None:
    services: dict[str, str] = json.loads((platform.data_dir / "runtime.json").read_text())["services"]
    async with httpx2.AsyncClient(timeout=10) as client:
        before = {name: (await scrape(client, services[name]))[1] for name in SERVICES}
        cid, events = await one_turn(client, platform, "where is my order #1001?")
        await park_a_poison_message(platform, events[0]["tenant_id"])

        scraped: dict[str, Samples] = {}

        async def settled() -> bool:
            for name in SERVICES:
                families, scraped[name] = await scrape(client, services[name])
                assert families >= FAMILIES, f"{name} lacks {FAMILIES - families}"
            ledger = {"consumer": "billing-ledger"}
            booked = value(scraped["billing"], "deskpilot_consumer_messages_total", **ledger)
            dead = value(scraped["agent"], "deskpilot_dead_letters_total", consumer="agent-on-message-received")
            return booked > value(before["billing"], "deskpilot_consumer_messages_total", **ledger) and dead >= 1

        await eventually(settled, timeout=30, what="billing to book the turn and the agent to park the poison")

    moved = {
        name: value(scraped[name], "deskpilot_http_requests_total", service=name)
        - value(before[name], "deskpilot_http_requests_total", service=name)
        for name in SERVICES
    }
    assert all(delta > 0 for delta in moved.values()), moved  # the supervisor's probes, the turn's requests
    conversation, agent, integrations = scraped["conversation"], scraped["agent"], scraped["integrations"]
    route = "/v1/conversations/{conversation_id}/messages"
    assert value(conversation, "deskpilot_http_requests_total", method="POST", route=route, status="202") >= 1
    assert value(conversation, "deskpilot_http_request_duration_seconds_count", method="POST", route=route) >= 1
    for name in SERVICES:
        assert value(scraped[name], "deskpilot_consumer_messages_total", consumer=f"{name}-tenants", outcome="handled")
        assert any(s.name == "deskpilot_outbox_backlog" for s in scraped[name])
        assert value(scraped[name], "process_cpu_seconds_total") > 0
    durable = "agent-on-message-received"
    assert value(agent, "deskpilot_consumer_messages_total", consumer=durable, outcome="handled") >= 1
    assert value(agent, "deskpilot_dead_letters_total", consumer=durable, reason="poison") >= 1
    assert any(s.name == "deskpilot_consumer_lag" and s.labels["consumer"] == durable for s in agent)
    assert value(agent, "deskpilot_turn_duration_seconds_count", outcome="replied") >= 1
    assert value(agent, "deskpilot_model_calls_total", provider="offline", outcome="ok") >= 2
    assert value(agent, "deskpilot_model_tokens_total", provider="offline", kind="input") > 0
    assert value(agent, "deskpilot_model_tokens_total", provider="offline", kind="output") > 0
    tool = {"service": "integrations", "tool": "get_order_status"}
    assert value(integrations, "deskpilot_tool_calls_total", **tool, outcome="completed") >= 1
    assert value(integrations, "deskpilot_tool_duration_seconds_count", **tool) >= 1
    assert cid


def ancestors(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[ReceivedSpan]:
    """``span``'s parents up to its trace's root (stopping at a parent that was not received)."""
    chain: list[ReceivedSpan] = []
    while span.parent_id and span.parent_id in by_id and len(chain) < 100:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


def turn_trace(receiver: OtlpReceiver, cid: str) -> list[ReceivedSpan] | None:
    """The trace of a turn of ``cid``, once it is complete: the reply projected by the conversation service (the
    delivery hop) and the turn's usage booked by billing. Each process exports its spans in its own batches, so the
    delivery hop can arrive before billing's (CI once saw exactly that)."""
    for spans in receiver.traces().values():
        agent = [s for s in spans if s.name == "invoke_agent"]
        if not any(s.attributes.get("deskpilot.conversation_id") == cid for s in agent):
            continue
        delivered = [s for s in spans if s.name == "agent.replied process" and s.service == "deskpilot-conversation"]
        booked = any(s.service == "deskpilot-billing" for s in spans)
        roots = [s for s in spans if not s.parent_id]
        ids = {s.span_id for s in spans}
        whole = all(not s.parent_id or s.parent_id in ids for s in spans)  # parents end, so are exported, last
        if delivered and booked and whole and any(r.name.startswith("POST /v1/conversations/") for r in roots):
            return spans
    return None


async def test_one_trace_per_turn_with_genai_spans_across_every_hop(platform: Platform, receiver: OtlpReceiver) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        cid, events = await one_turn(client, platform, "where is my order #1001?")

        async def traced_turn() -> list[ReceivedSpan] | None:
            return turn_trace(receiver, cid)

        spans = await eventually(traced_turn, timeout=30, what="the turn's trace")
        await one_turn(client, platform, "and where is my order #1002?", cid)

    def traces() -> set[str]:
        return {s.trace_id for s in receiver.spans() if s.attributes.get("deskpilot.conversation_id") == cid}

    async def second_exported() -> set[str] | None:  # the exporter sends batches: the second turn's comes later
        found = traces()
        return found if len(found) >= 2 else None

    await eventually(second_exported, timeout=60, what="the second turn's trace")
    assert len(traces()) == 2, "one trace per turn: the second message starts its own"
    by_id = {s.span_id: s for s in spans}
    roots = [s for s in spans if not s.parent_id]
    assert [r.name for r in roots] == ["POST /v1/conversations/{conversation_id}/messages"], roots
    root = roots[0]
    assert root.service == "deskpilot-conversation"
    assert root.attributes["http.response.status_code"] == 202
    for span in spans:  # one tree: everything descends from the request
        assert span is root or ancestors(span, by_id)[-1] is root, f"{span.name} ({span.service}) is detached"

    services = {s.service for s in spans}
    assert {"deskpilot-conversation", "deskpilot-agent", "deskpilot-integrations", "deskpilot-billing"} <= services
    chats = [s for s in spans if s.name == "chat deskpilot-offline-1"]
    assert len(chats) == 2  # asks for the tool, then answers with its result
    for chat in chats:
        assert chat.service == "deskpilot-agent"
        assert chat.attributes["gen_ai.operation.name"] == "chat"
        assert chat.attributes["gen_ai.provider.name"] == "offline"
        assert chat.attributes["gen_ai.request.model"] == "deskpilot-offline-1"
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0
        assert chat.attributes["gen_ai.usage.output_tokens"] > 0
        assert "1001" in chat.attributes["gen_ai.input.messages"]  # content capture is on in this platform
        assert next(a.name for a in ancestors(chat, by_id)) == "invoke_agent"
    requested = next(e for e in events if e["type"] == "tool.requested")["payload"]
    tool = next(s for s in spans if s.name == "execute_tool get_order_status")
    assert tool.service == "deskpilot-integrations"
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool.attributes["gen_ai.tool.name"] == "get_order_status"
    assert tool.attributes["gen_ai.tool.call.id"] == requested["tool_call_id"]
    assert "1001" in tool.attributes["gen_ai.tool.call.arguments"]
    assert [a.name for a in ancestors(tool, by_id)][:1] == ["tool.requested process"]
    hops = [(a.service, a.name) for a in ancestors(tool, by_id)]
    assert ("deskpilot-agent", "invoke_agent") in hops
    assert ("deskpilot-agent", "message.received process") in hops
    consumers = {s.attributes.get("messaging.consumer.group.name") for s in spans}
    assert {"agent-on-tool-completed", "conversation-projection", "billing-ledger"} <= consumers
