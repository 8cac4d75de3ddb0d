"""A customer on the web chat, through the gateway of ``deskpilot up``: the AI answers on the WebSocket (with its
reply deltas), the customer asks for a human, a human agent answers from the ticket API on the same socket,
resolves, and the satisfaction request arrives; the SSE fallback shows the same conversation."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from deskpilot.gateway_limits import API_CSP
from tests.e2e.conftest import Platform
from tests.support import eventually
from web.security import CONTENT_SECURITY_POLICY

SHOP = "https://shop.example.com"


async def frames_until(ws: ClientConnection, event_type: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every frame received up to and including the next event of ``event_type``."""
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            out.append(frame)
            if frame["kind"] == "event" and frame["type"] == event_type:
                return out


async def test_a_customer_chats_with_the_ai_then_a_human_over_one_websocket(platform: Platform) -> None:
    ws_base = "ws" + platform.base.removeprefix("http")
    async with httpx2.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{platform.base}/v1/conversations/widget-keys",
            headers=platform.headers(),
            json={"allowed_origins": [SHOP]},
        )
        assert r.status_code == 201, r.text
        key = r.json()["widget_key"]
        r = await client.post(f"{platform.base}/v1/conversations/chat", headers={"X-Widget-Key": key, "Origin": SHOP})
        assert r.status_code == 201, r.text
        cid, token = r.json()["conversation_id"], r.json()["client_token"]
        url = f"{ws_base}/v1/conversations/chat/{cid}/ws?key={key}&token={token}"

        # The gateway refuses what the service refuses, before accepting.
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, additional_headers={"Origin": "https://evil.example"}):
                pass
        assert refused.value.response.status_code == 403

        seen: list[dict[str, Any]] = []
        async with connect(url, additional_headers={"Origin": SHOP}, open_timeout=10) as ws:
            await ws.send(json.dumps({"type": "message", "text": "where is my order #1001?"}))
            got = await frames_until(ws, "agent.replied")
            seen += got
            reply = got[-1]
            assert reply["role"] == "ai"
            assert "1001" in reply["text"]
            deltas = [f for f in got if f["kind"] == "delta"]
            assert deltas, "no reply delta reached the socket"
            assert reply["text"] in "".join(d["text"] for d in deltas)
            assert [f["type"] for f in got if f["kind"] == "event"] == ["message.received", "agent.replied"]

            await ws.send(json.dumps({"type": "message", "text": "I want to talk to a human"}))

            async def ticket() -> str | None:
                r = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
                created = [e for e in r.json()["events"] if e["type"] == "ticket.created"]
                return str(created[0]["payload"]["ticket_id"]) if created else None

            ticket_id = await eventually(ticket, timeout=60, what="the handoff to open a ticket")
            r = await client.post(
                f"{platform.base}/v1/tickets/agents", headers=platform.headers(), json={"name": "Alice"}
            )
            assert r.status_code == 201, r.text
            agent = platform.headers(r.json()["api_key"])
            r = await client.post(
                f"{platform.base}/v1/tickets/{ticket_id}/replies",
                headers=agent,
                json={"text": "Hi, Alice here. Your refund is on its way."},
            )
            assert r.status_code == 201, r.text
            got = await frames_until(ws, "human.replied")
            seen += got
            human = got[-1]
            assert (human["role"], human["agent_name"], human["text"]) == (
                "human",
                "Alice",
                "Hi, Alice here. Your refund is on its way.",
            )
            lines = [(f["type"], f["role"], f["text"]) for f in got if f["kind"] == "event"]
            assert ("message.received", "customer", "I want to talk to a human") in lines
            assert ("human.assigned", "system", "Alice joined the conversation") in lines

            r = await client.post(
                f"{platform.base}/v1/tickets/{ticket_id}/status", headers=agent, json={"status": "resolved"}
            )
            assert r.status_code == 200, r.text
            got = await frames_until(ws, "csat.requested")
            seen += got
            assert [f["type"] for f in got if f["kind"] == "event"][-2:] == ["conversation.resolved", "csat.requested"]

        events = [f for f in seen if f["kind"] == "event"]
        positions = [f["position"] for f in events]
        assert positions == sorted(set(positions))  # in log order, each once

        # The SSE fallback, through the gateway, replays the same conversation.
        replayed: list[dict[str, Any]] = []
        sse_url = f"{platform.base}/v1/conversations/chat/{cid}/events?key={key}&token={token}"
        headers = {"Origin": SHOP, "Accept": "text/event-stream"}
        async with client.stream("GET", sse_url, headers=headers) as response:
            assert response.status_code == 200
            async with asyncio.timeout(30):
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        frame = json.loads(line.removeprefix("data:"))
                        if frame["kind"] == "event":
                            replayed.append(frame)
                    if replayed and replayed[-1]["type"] == "csat.requested":
                        break
        assert [(f["position"], f["type"]) for f in replayed] == [(f["position"], f["type"]) for f in events]

        # The customer answers the rating request from the widget; it is recorded once, on the conversation's log.
        csat_url = f"{platform.base}/v1/conversations/chat/{cid}/csat?key={key}&token={token}"
        rated = await client.post(csat_url, headers={"Origin": SHOP}, json={"score": 5, "comment": "quick and kind"})
        assert rated.status_code == 201, rated.text
        again = await client.post(csat_url, headers={"Origin": SHOP}, json={"score": 1})
        assert again.status_code == 409
        log = (await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())).json()
        (recorded,) = [e for e in log["events"] if e["type"] == "csat.recorded"]
        assert (recorded["payload"]["ticket_id"], recorded["payload"]["score"]) == (ticket_id, 5)


async def test_the_gateway_bounds_bodies_and_frames_and_secures_every_answer(platform: Platform) -> None:
    """deskpilot/gateway_limits.py on the real platform, sizes as shipped: security headers on API answers, the
    web pages' own policy intact, the widget's files loadable by any site; 413 for a body over 1 MiB before it
    reaches a service; a client frame over 128 KiB closes the chat socket with 1009. (The rate limits, lifted on the
    suite's platforms, which are driven like load generators, are tested with a clock in tests/test_gateway.py.)"""
    async with httpx2.AsyncClient(base_url=platform.base, timeout=30) as http:
        api = await http.get("/v1/conversations", headers=platform.headers())
        assert api.status_code == 200, api.text
        assert (api.headers["content-security-policy"], api.headers["x-frame-options"]) == (API_CSP, "DENY")
        assert (api.headers["x-content-type-options"], api.headers["referrer-policy"]) == ("nosniff", "no-referrer")
        page = await http.get("/widget/demo")
        assert page.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]  # the web's, intact
        assert page.headers["referrer-policy"] == "same-origin"
        script = await http.get("/widget.js")
        assert (script.status_code, script.headers["cross-origin-resource-policy"]) == (200, "cross-origin")
        body = b'{"customer_id": "' + b"x" * (1024 * 1024) + b'"}'
        big = await http.post("/v1/conversations", content=body, headers=platform.headers())
        assert (big.status_code, big.headers["content-type"]) == (413, "application/problem+json"), big.text
        assert big.json()["code"] == "too_large"

        key = (
            await http.post(
                "/v1/conversations/widget-keys", headers=platform.headers(), json={"allowed_origins": ["*"]}
            )
        ).json()
        opened = await http.post("/v1/conversations/chat", headers={"X-Widget-Key": key["widget_key"]})
        assert opened.status_code == 201, opened.text
    cid, token = opened.json()["conversation_id"], opened.json()["client_token"]
    url = "ws" + platform.base.removeprefix("http") + f"/v1/conversations/chat/{cid}/ws?key={key['widget_key']}"
    async with connect(f"{url}&token={token}", open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "message", "text": "x" * (128 * 1024)}))
        async with asyncio.timeout(30):
            with contextlib.suppress(ConnectionClosed):
                async for _ in ws:  # whatever comes until the gateway closes the socket
                    pass
    assert ws.close_code == 1009
