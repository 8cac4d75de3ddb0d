"""One real conversation through six services that meet only on NATS, end to end."""

from __future__ import annotations

import json
import os
import signal
from decimal import Decimal
from typing import Any

import httpx2
import psutil
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from deskpilot.database_roles import SERVICE_ROLE
from libs.events.catalog.privacy import PRIVACY_SERVICES
from libs.events.streams import EVENTS_STREAM
from libs.platform import nats_auth
from tests.e2e.conftest import Platform
from tests.support import eventually

TURN = [
    "message.received",
    "agent.turn_started",
    "llm.called",
    "tool.requested",
    "tool.completed",
    "llm.called",
    "agent.replied",
]


async def open_conversation(client: httpx2.AsyncClient, platform: Platform, key: str | None = None) -> str:
    r = await client.post(f"{platform.base}/v1/conversations", headers=platform.headers(key))
    assert r.status_code == 201, r.text
    conversation_id: str = r.json()["id"]
    return conversation_id


async def events_until(
    client: httpx2.AsyncClient, platform: Platform, cid: str, event_type: str, count: int = 1, timeout: float = 300
) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        r = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
        assert r.status_code == 200, r.text
        events: list[dict[str, Any]] = r.json()["events"]
        return events if sum(e["type"] == event_type for e in events) >= count else None

    return await eventually(check, timeout=timeout, what=f"{event_type} in {cid}")


async def test_one_turn_is_answered_through_a_tool_call_with_every_step_on_the_log(platform: Platform) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        cid = await open_conversation(client, platform)
        r = await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages",
            headers=platform.headers(),
            json={"text": "where is my order #1001?"},
        )
        assert r.status_code == 202, r.text
        events = await events_until(client, platform, cid, "agent.replied")
        types = [e["type"] for e in events]
        assert types[0] == "conversation.started"
        assert types[1 : 1 + len(TURN)] == TURN
        positions = [e["position"] for e in events]
        assert positions == sorted(positions)

        by_type = {e["type"]: e for e in events}
        request = by_type["tool.requested"]["payload"]
        assert (request["tool"], request["arguments"], request["service"]) == (
            "get_order_status",
            {"order_number": "1001"},
            "integrations",
        )
        assert by_type["tool.completed"]["payload"]["tool_call_id"] == request["tool_call_id"]
        assert by_type["tool.completed"]["causation_id"] == by_type["tool.requested"]["id"]
        reply = by_type["agent.replied"]["payload"]
        assert "1001" in reply["text"]
        assert "UPS" in reply["text"]
        assert reply["provider"] == "offline"  # the offline model says so in the API output
        assert {e["correlation_id"] for e in events[1:]} == {events[1]["id"]}

        # The stored view is a projection of the log, so it may trail it by a moment.
        async def projected() -> list[tuple[str, str]] | None:
            r = await client.get(f"{platform.base}/v1/conversations/{cid}", headers=platform.headers())
            lines = [(t["role"], t["text"]) for t in r.json()["transcript"]]
            return lines if len(lines) == 2 else None

        assert await eventually(projected, what="the transcript view") == [
            ("customer", "where is my order #1001?"),
            ("ai", reply["text"]),
        ]

        async def cost() -> dict[str, Any] | None:
            r = await client.get(f"{platform.base}/v1/billing/conversations/{cid}/cost", headers=platform.headers())
            body: dict[str, Any] = r.json()
            return body if r.status_code == 200 and body["llm_calls"] == 2 and body["tool_calls"] == 1 else None

        usage = await eventually(cost, what="billing to book the turn")
        assert Decimal(usage["total_usd"]) == 0  # the offline model is free by the price table
        await events_until(client, platform, cid, "usage.recorded")

        replay = platform.cli("replay", cid)
        assert replay.returncode == 0, replay.stdout + replay.stderr
        assert "matches the stored view" in replay.stdout
        assert "customer: where is my order #1001?" in replay.stdout


async def test_bad_input_gets_clear_errors_and_loses_nothing(platform: Platform) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        base = platform.base
        assert (await client.post(f"{base}/v1/conversations", headers=platform.headers("dp_wrong"))).status_code == 401
        assert (await client.post(f"{base}/v1/conversations")).status_code == 401
        cid = await open_conversation(client, platform)
        msgs = f"{base}/v1/conversations/{cid}/messages"

        missing = await client.post(msgs, headers=platform.headers(), json={})
        assert missing.status_code == 422
        assert "text" in missing.json()["detail"]
        malformed = await client.post(
            msgs, headers={**platform.headers(), "content-type": "application/json"}, content=b"{not json"
        )
        assert malformed.status_code in (400, 422), malformed.text
        assert (await client.post(msgs, headers=platform.headers(), json={"text": "   "})).status_code == 422
        too_long = await client.post(msgs, headers=platform.headers(), json={"text": "x" * 9000})
        assert too_long.status_code == 413
        assert "8000" in too_long.json()["detail"]
        huge = await client.post(msgs, headers=platform.headers(), json={"text": "x" * 400_000})
        assert huge.status_code == 413
        assert (
            await client.post(
                f"{base}/v1/conversations/conv_nope/messages", headers=platform.headers(), json={"text": "hi"}
            )
        ).status_code == 404

        created = platform.cli("tenants", "create", "Other Co")
        assert created.returncode == 0, created.stderr
        other_key = created.stdout.split("api key: ")[1].split()[0]

        async def other_tenant_known() -> bool:
            r = await client.get(f"{base}/v1/conversations", headers=platform.headers(other_key))
            return r.status_code == 200

        await eventually(other_tenant_known, what="the second tenant to be projected")
        for path in (f"/v1/conversations/{cid}", f"/v1/conversations/{cid}/events"):
            r = await client.get(base + path, headers=platform.headers(other_key))
            assert r.status_code == 404, path
        assert (await client.post(msgs, headers=platform.headers(other_key), json={"text": "hi"})).status_code == 404
        listing = (await client.get(f"{base}/v1/conversations", headers=platform.headers(other_key))).json()
        assert cid not in [c["id"] for c in listing["items"]]

        ok = await client.post(msgs, headers=platform.headers(), json={"text": "where is my order #1003?"})
        assert ok.status_code == 202
        events = await events_until(client, platform, cid, "agent.replied")
        received = [e["payload"]["text"] for e in events if e["type"] == "message.received"]
        assert received == ["where is my order #1003?"]


async def test_a_service_crash_mid_turn_loses_no_accepted_message(platform: Platform) -> None:
    parent = psutil.Process(platform.proc.pid)

    def integrations() -> psutil.Process | None:
        for child in parent.children(recursive=True):
            if "serve" in child.cmdline() and "integrations" in child.cmdline():
                return child
        return None

    victim = integrations()
    assert victim is not None
    async with httpx2.AsyncClient(timeout=10) as client:
        cid = await open_conversation(client, platform)
        os.kill(victim.pid, signal.SIGKILL)
        r = await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages",
            headers=platform.headers(),
            json={"text": "where is my order #1002?"},
        )
        assert r.status_code == 202
        events = await events_until(client, platform, cid, "agent.replied")
        replacement = integrations()
        assert replacement is not None
        assert replacement.pid != victim.pid
        reply = next(e for e in events if e["type"] == "agent.replied")
        assert "1002" in reply["payload"]["text"]
        assert sum(e["type"] == "tool.completed" for e in events) == 1


async def test_asking_for_a_human_hands_off_and_opens_a_ticket(platform: Platform) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        cid = await open_conversation(client, platform)
        await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages",
            headers=platform.headers(),
            json={"text": "I want to talk to a human about my refund"},
        )
        events = await events_until(client, platform, cid, "ticket.created")
        handoff = next(e for e in events if e["type"] == "handoff.requested")["payload"]
        assert "refund" in handoff["summary"]
        ticket = next(e for e in events if e["type"] == "ticket.created")["payload"]
        r = await client.get(f"{platform.base}/v1/tickets/{ticket['ticket_id']}", headers=platform.headers())
        assert r.status_code == 200
        assert r.json()["conversation_id"] == cid
        # While a human owns the conversation the AI stays silent: once the agent has acknowledged the new
        # message (its consumer has nothing pending), no turn may have started.
        r = await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages",
            headers=platform.headers(),
            json={"text": "hello? where is my order #1001?"},
        )
        position = r.json()["position"]
        nc = await nats_auth.connect(platform.env["NATS_URL"])
        try:
            js = nc.jetstream()

            async def agent_settled() -> bool:
                info = await js.consumer_info(EVENTS_STREAM, "agent-on-message-received")
                return bool(info.delivered.stream_seq >= position and info.num_ack_pending == 0)

            await eventually(agent_settled, what="the agent to process the second message")
        finally:
            await nc.close()
        after = (await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())).json()
        assert [e["type"] for e in after["events"]].count("agent.turn_started") == 1  # only the turn that handed off

        async def waiting() -> bool:
            view = await client.get(f"{platform.base}/v1/conversations/{cid}", headers=platform.headers())
            return bool(view.json()["status"] == "waiting_human")

        await eventually(waiting, what="the view to show the conversation waiting for a human")


@pytest.mark.parametrize("path", ["/healthz", "/v1/conversation/healthz", "/v1/agent/readyz", "/v1/billing/readyz"])
async def test_health_and_readiness(platform: Platform, path: str) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        r = await client.get(platform.base + path)
        assert r.status_code == 200


async def test_the_agent_answers_from_the_knowledge_base_with_citations(platform: Platform) -> None:
    async with httpx2.AsyncClient(timeout=30) as client:
        article = await client.post(
            f"{platform.base}/v1/knowledge/articles",
            headers=platform.headers(),
            json={
                "title": "Returns and refunds",
                "body": "# Returns\n\nYou can return any item within 30 days of delivery for a full refund. "
                "Start a return from your account page.",
            },
        )
        assert article.status_code == 201, article.text
        article_id = article.json()["article_id"]
        cid = await open_conversation(client, platform)
        await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages",
            headers=platform.headers(),
            json={"text": "What is your return policy?"},
        )
        events = await events_until(client, platform, cid, "agent.replied")
        request = next(e for e in events if e["type"] == "tool.requested")["payload"]
        assert request["tool"] == "search_knowledge"
        reply = next(e for e in events if e["type"] == "agent.replied")["payload"]
        assert "30 days" in reply["text"]
        assert [c["article_id"] for c in reply["citations"]] == [article_id]
        assert reply["citations"][0]["title"] == "Returns and refunds"


async def test_the_services_connect_as_a_role_held_to_row_level_security(platform: Platform, database_url: str) -> None:
    """``deskpilot up`` migrates as the owner and runs the services as ``deskpilot_service`` (decision 0027)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            role = (
                await conn.execute(
                    text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": SERVICE_ROLE}
                )
            ).one()
            connected = (
                await conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE usename = :r AND datname = current_database()"),
                    {"r": SERVICE_ROLE},
                )
            ).scalar_one()
            owns = (
                await conn.execute(
                    text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = :r"),
                    {"r": SERVICE_ROLE},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert tuple(role) == (False, False)
    assert connected > 0, "no service is connected as the service role"
    assert owns == 0
    assert "could not provision" not in platform.log.read_text()


async def test_a_customers_export_gathers_what_every_service_holds(platform: Platform) -> None:
    """GDPR art. 15/20 end to end: a customer's conversation, handed to a human, exported by customer id: every
    service answers, and the bundle (schema ``deskpilot.privacy-export/v1``) holds their words and their ticket."""
    customer = "ottilie.brangwen@export.example"
    async with httpx2.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{platform.base}/v1/conversations", headers=platform.headers(), json={"customer_id": customer}
        )
        cid = r.json()["id"]
        words = "I want to talk to a human; I am Ottilie Brangwen, call me on +1 555 0199"
        await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": words}
        )
        events = await events_until(client, platform, cid, "ticket.created")
        ticket_id = next(e for e in events if e["type"] == "ticket.created")["payload"]["ticket_id"]
        r = await client.post(
            f"{platform.base}/v1/privacy/exports", headers=platform.headers(), json={"customer_id": customer}
        )
        assert r.status_code == 202, r.text
        accepted = r.json()
        assert accepted["conversations"] == 1

        async def completed() -> dict[str, Any] | None:
            status = await client.get(platform.base + accepted["status_url"], headers=platform.headers())
            assert status.status_code == 200, status.text
            body: dict[str, Any] = status.json()
            return body if body["status"] == "completed" and body["bundle"] else None

        done = await eventually(completed, what="every service's part of the export")
    bundle = done["bundle"]
    assert bundle["schema"] == "deskpilot.privacy-export/v1"
    assert bundle["conversations"] == [cid]
    assert set(bundle["services"]) == set(PRIVACY_SERVICES)
    assert "Ottilie Brangwen" in json.dumps(bundle["services"]["conversation"])
    assert ticket_id in json.dumps(bundle["services"]["ticketing"])
    assert cid in json.dumps(bundle["services"]["billing"])


async def test_the_conversation_flow_through_the_generated_client(platform: Platform) -> None:
    """The contract exercised by its own client (clients/python, generated from docs/openapi.json)."""
    from deskpilot_client import AuthenticatedClient
    from deskpilot_client.api.conversation import (
        v1_conversations_conversation_id_events_events as events_api,
    )
    from deskpilot_client.api.conversation import (
        v1_conversations_conversation_id_messages_post_message as post_message,
    )
    from deskpilot_client.api.conversation import (
        v1_conversations_conversation_id_show as show,
    )
    from deskpilot_client.api.conversation import (
        v1_conversations_start as start,
    )
    from deskpilot_client.models import ConversationCreated, MessageAccepted, PostMessage, Problem, StartConversation

    async with AuthenticatedClient(base_url=platform.base, token=platform.api_key) as api:
        created = await start.asyncio(client=api, body=StartConversation(channel="api"), idempotency_key="e2e-open")
        assert isinstance(created, ConversationCreated)
        accepted = await post_message.asyncio(
            conversation_id=created.id,
            client=api,
            body=PostMessage(text="where is my order #1001?", client_message_id="e2e-1"),
        )
        assert isinstance(accepted, MessageAccepted)
        retried = await post_message.asyncio(
            conversation_id=created.id,
            client=api,
            body=PostMessage(text="where is my order #1001?", client_message_id="e2e-1"),
        )
        assert isinstance(retried, MessageAccepted)
        assert retried.message_id == accepted.message_id

        async def replied() -> list[str] | None:
            page = await events_api.asyncio(conversation_id=created.id, client=api)
            assert page is not None
            assert not isinstance(page, Problem)
            types = [str(e["type"]) for e in page.events]
            return types if "agent.replied" in types else None

        types = await eventually(replied, timeout=60, what="the agent's reply")
        assert types.count("message.received") == 1
        missing = await show.asyncio(conversation_id="conv_nothing_here", client=api)
        assert isinstance(missing, Problem)
        assert (missing.status, missing.code) == (404, "not_found")


async def test_the_demo_tenant_comes_complete(platform: Platform) -> None:
    """The first impression of ``make up``: the demo tenant has its store's procedures, its assistant's persona and
    instructions, a widget key and a support address waiting for its code, all given through the public API."""
    from deskpilot.demo import INSTRUCTIONS, PERSONA, SUPPORT_ADDRESS

    async with httpx2.AsyncClient(base_url=platform.base, headers=platform.headers(), timeout=10) as client:
        policy = (await client.get("/v1/agent/policy")).json()
        assert (policy["persona"], policy["instructions"]) == (PERSONA, INSTRUCTIONS)
        procedures = {p["name"] for p in (await client.get("/v1/agent/procedures")).json()["items"]}
        assert procedures, "the demo store's procedures"
        keys = (await client.get("/v1/conversations/widget-keys")).json()["items"]
        assert [k for k in keys if k["revoked_at"] is None]
        addresses = (await client.get("/v1/conversations/email-addresses")).json()["items"]
        assert {(a["address"], a["status"]) for a in addresses} >= {(SUPPORT_ADDRESS, "pending")}
