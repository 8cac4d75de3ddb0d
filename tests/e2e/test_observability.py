"""What an operator sees of a running platform: every service's Prometheus ``/metrics`` after a conversation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx2
import nats
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from deskpilot.supervisor import SERVICES
from libs.events import new_id
from libs.events.streams import EVENTS_STREAM
from tests.e2e.conftest import Platform
from tests.support import eventually

Samples = list[Sample]


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


async def one_turn(client: httpx2.AsyncClient, platform: Platform, text: str) -> tuple[str, list[dict[str, Any]]]:
    r = await client.post(f"{platform.base}/v1/conversations", headers=platform.headers())
    assert r.status_code == 201, r.text
    cid: str = r.json()["id"]
    r = await client.post(
        f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text}
    )
    assert r.status_code == 202, r.text

    async def replied() -> list[dict[str, Any]] | None:
        r = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
        events: list[dict[str, Any]] = r.json()["events"]
        return events if any(e["type"] == "agent.replied" for e in events) else None

    return cid, await eventually(replied, timeout=60, what=f"the reply in {cid}")


async def park_a_poison_message(platform: Platform, tenant_id: str) -> None:
    """Bytes that are no event, on a conversation subject every service's consumers of new messages read."""
    nc = await nats.connect(json.loads((platform.data_dir / "runtime.json").read_text())["nats_url"])
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
