"""What a tenant controls of the public web chat, on a real server (uvicorn), NATS and PostgreSQL: listing and
revoking widget keys (open chats close), rate limits per widget key and per client address, and SSE keep-alives.

Client addresses are told apart with ``X-Forwarded-For``, which uvicorn trusts from 127.0.0.1 as it does behind the
gateway of ``deskpilot up``; each test uses its own addresses so that the module's server shares no bucket."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from libs.events import EventLog
from services.conversation.app import MIGRATIONS, create_app
from services.conversation.config import ConversationSettings
from services.conversation.limits import Rate, TokenBuckets, WidgetAction, WidgetLimiter, client_network
from services.conversation.repository import ConversationRepository
from services.conversation.tests.test_chat import SHOP, Server
from tests.support import eventually, listening, provision_tenant

KEEP_ALIVE_SECONDS = 0.3
# Limits small enough to reach in a few requests, refilling fast enough (120/min: a token every 0.5 s) that the test
# waits well under a second for the next one.
PER_MINUTE = 120.0
REFILL_SECONDS = 60.0 / PER_MINUTE
LIMITS = {
    "DESKPILOT_SSE_KEEPALIVE_SECONDS": KEEP_ALIVE_SECONDS,
    "DESKPILOT_WIDGET_RECHECK_SECONDS": 0,  # every client message re-checks its key
    "DESKPILOT_WIDGET_KEY_CONVERSATIONS_PER_MINUTE": PER_MINUTE,
    "DESKPILOT_WIDGET_KEY_CONVERSATION_BURST": 3,
    "DESKPILOT_WIDGET_IP_CONVERSATIONS_PER_MINUTE": PER_MINUTE,
    "DESKPILOT_WIDGET_IP_CONVERSATION_BURST": 2,
    "DESKPILOT_WIDGET_KEY_MESSAGES_PER_MINUTE": 6000.0,
    "DESKPILOT_WIDGET_KEY_MESSAGE_BURST": 100,
    "DESKPILOT_WIDGET_IP_MESSAGES_PER_MINUTE": PER_MINUTE,
    "DESKPILOT_WIDGET_IP_MESSAGE_BURST": 3,
}
_addresses = itertools.count(1)


def new_address() -> str:
    return f"198.51.100.{next(_addresses)}"


@pytest.fixture(scope="module")
async def server(nats_url: str, database_url: str) -> AsyncIterator[Server]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url, **LIMITS})
    app = create_app(settings)
    async with listening(app) as base:
        yield Server(base, app.state.runtime)


class Widget:
    """One tenant's widget as a browser at ``address`` uses it."""

    def __init__(self, server: Server, api_key: str, key: str, address: str) -> None:
        self.server, self.api_key, self.key, self.address = server, api_key, key, address

    def headers(self, token: str | None = None, address: str | None = None) -> dict[str, str]:
        out = {"X-Widget-Key": self.key, "Origin": SHOP, "X-Forwarded-For": address or self.address}
        return {**out, "X-Client-Token": token} if token else out

    async def open(self, client: httpx2.AsyncClient, address: str | None = None) -> httpx2.Response:
        return await client.post(f"{self.server.base}/v1/conversations/chat", headers=self.headers(address=address))

    def socket(self, cid: str, token: str) -> connect:
        url = f"{self.server.ws_base}/v1/conversations/chat/{cid}/ws?key={self.key}&token={token}"
        headers = {"Origin": SHOP, "X-Forwarded-For": self.address}
        return connect(url, additional_headers=headers, open_timeout=10)


async def new_key(client: httpx2.AsyncClient, server: Server, api_key: str) -> dict[str, Any]:
    r = await client.post(
        f"{server.base}/v1/conversations/widget-keys",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"allowed_origins": [SHOP]},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def widget(client: httpx2.AsyncClient, server: Server, event_log: EventLog) -> Widget:
    tenant = await provision_tenant(event_log, server.runtime)
    created = await new_key(client, server, tenant.api_key)
    return Widget(server, tenant.api_key, created["widget_key"], new_address())


async def opened(client: httpx2.AsyncClient, chat: Widget) -> tuple[str, str]:
    r = await chat.open(client)
    assert r.status_code == 201, r.text
    return r.json()["conversation_id"], r.json()["client_token"]


async def frame(ws: ClientConnection) -> dict[str, Any]:
    got: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    return got


async def sse_lines(response: httpx2.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        yield line


async def remaining(lines: AsyncIterator[str]) -> list[str]:
    """The lines up to the end of the stream."""
    return [line async for line in lines]


async def until_sse_event(lines: AsyncIterator[str], kind: str) -> dict[str, Any]:
    """The data of the next SSE event named ``kind``."""
    name = ""
    while True:
        line = await asyncio.wait_for(anext(lines), timeout=10)
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("data:") and name == kind:
            data: dict[str, Any] = json.loads(line.partition(":")[2])
            return data


async def test_keys_are_listed_without_the_secret_and_revoking_one_refuses_it_and_closes_its_chats(
    server: Server, event_log: EventLog
) -> None:
    base = f"{server.base}/v1/conversations"
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(10, read=None)) as client:
        chat = await widget(client, server, event_log)
        tenant = {"Authorization": f"Bearer {chat.api_key}"}
        other = await new_key(client, server, chat.api_key)
        r = await client.get(f"{base}/widget-keys", headers=tenant)
        assert r.status_code == 200, r.text
        listed = r.json()["items"]
        assert next(k["key_id"] for k in listed) == other["key_id"]  # newest first
        assert chat.key not in r.text
        assert other["widget_key"] not in r.text
        (mine,) = [k for k in listed if k["key_id"] != other["key_id"]]
        assert chat.key.startswith(mine["key_prefix"])
        assert len(mine["key_prefix"]) == 8
        assert mine["allowed_origins"] == [SHOP]
        assert mine["revoked_at"] is None
        assert mine["created_at"]
        key_id = mine["key_id"]

        # Another tenant neither sees nor revokes it.
        stranger = await provision_tenant(event_log, server.runtime)
        strange = {"Authorization": f"Bearer {stranger.api_key}"}
        assert (await client.get(f"{base}/widget-keys", headers=strange)).json()["items"] == []
        assert (await client.delete(f"{base}/widget-keys/{key_id}", headers=strange)).status_code == 404

        cid, token = await opened(client, chat)
        events_url = f"{base}/chat/{cid}/events?key={chat.key}&token={token}"
        async with (
            chat.socket(cid, token) as ws,
            client.stream("GET", events_url, headers={"Origin": SHOP}) as stream,
        ):
            await ws.send(json.dumps({"type": "message", "text": "hello"}))
            assert {(await frame(ws))["kind"], (await frame(ws))["kind"]} == {"accepted", "event"}
            lines = sse_lines(stream)
            assert (await until_sse_event(lines, "event"))["text"] == "hello"

            r = await client.delete(f"{base}/widget-keys/{key_id}", headers=tenant)
            assert r.status_code == 204, r.text

            # The open socket is told, then closed; the event stream gets the same frame, then ends.
            closing = await frame(ws)
            assert (closing["kind"], closing["code"]) == ("error", "widget_key_revoked")
            with pytest.raises(ConnectionClosed) as closed:
                await frame(ws)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008
            assert (await until_sse_event(lines, "error"))["code"] == "widget_key_revoked"
            rest = await asyncio.wait_for(remaining(lines), timeout=10)
            assert not any(line.startswith("data:") for line in rest)

        # New requests with the key are refused at once, whatever they ask.
        r = await chat.open(client)
        assert (r.status_code, r.json()["detail"]) == (401, "this widget key has been revoked")
        r = await client.post(f"{base}/chat/{cid}/messages", headers=chat.headers(token), json={"text": "x"})
        assert r.status_code == 401
        assert (await client.get(f"{base}/chat/{cid}", headers=chat.headers(token))).status_code == 401
        assert (await client.get(events_url, headers={"Origin": SHOP})).status_code == 401
        with pytest.raises(InvalidStatus):
            async with chat.socket(cid, token):
                pass

        # Listed as revoked; revoking again changes nothing; the tenant's other key still works.
        listed = (await client.get(f"{base}/widget-keys", headers=tenant)).json()["items"]
        revoked_at = next(k["revoked_at"] for k in listed if k["key_id"] == key_id)
        assert revoked_at is not None
        assert (await client.delete(f"{base}/widget-keys/{key_id}", headers=tenant)).status_code == 204
        listed = (await client.get(f"{base}/widget-keys", headers=tenant)).json()["items"]
        assert next(k["revoked_at"] for k in listed if k["key_id"] == key_id) == revoked_at
        assert (await client.delete(f"{base}/widget-keys/wk_unknown", headers=tenant)).status_code == 404
        chat.key = other["widget_key"]
        assert (await chat.open(client)).status_code == 201


async def test_a_socket_that_missed_the_revocation_notice_finds_out_on_its_next_message(
    server: Server, event_log: EventLog
) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        tenant = await provision_tenant(event_log, server.runtime)
        created = await new_key(client, server, tenant.api_key)
        chat = Widget(server, tenant.api_key, created["widget_key"], new_address())
        cid, token = await opened(client, chat)
        async with chat.socket(cid, token) as ws:
            await ws.send(json.dumps({"type": "message", "text": "first"}))
            assert {(await frame(ws))["kind"], (await frame(ws))["kind"]} == {"accepted", "event"}
            async with server.runtime.unit_of_work() as uow:  # revoked without the notice on NATS
                repo = ConversationRepository(uow.session)
                assert await repo.revoke_widget_key(tenant.tenant_id, created["key_id"])
            await ws.send(json.dumps({"type": "message", "text": "second"}))
            closing = await frame(ws)
            assert (closing["kind"], closing["code"]) == ("error", "widget_key_revoked")
            with pytest.raises(ConnectionClosed):
                await frame(ws)
        history = await server.runtime.event_log.read_type(tenant.tenant_id, cid, "message.received")
        assert [r.event.payload.text for r in history] == ["first"]  # type: ignore[union-attr]


async def test_opening_conversations_is_limited_per_client_address_and_per_widget_key(
    server: Server, event_log: EventLog
) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        chat = await widget(client, server, event_log)
        # One address: its burst of 2, then 429.
        assert [(await chat.open(client)).status_code for _ in range(2)] == [201, 201]
        refused = await chat.open(client)
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "rate_limited"
        assert "client address" in refused.json()["detail"]
        assert refused.headers["retry-after"] == str(math.ceil(REFILL_SECONDS))
        assert refused.headers["access-control-allow-origin"] == SHOP  # so that the widget can read it
        # Another address: the key's burst of 3 runs out after one more.
        second = new_address()
        assert (await chat.open(client, second)).status_code == 201
        refused = await chat.open(client, new_address())
        assert refused.status_code == 429
        assert "widget key" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        # After the refill (one token per REFILL_SECONDS) the key admits again.
        started = time.monotonic()

        async def admitted() -> bool:
            return (await chat.open(client, new_address())).status_code == 201

        await eventually(admitted, timeout=REFILL_SECONDS + 10, what="the widget key's bucket to refill")
        assert time.monotonic() - started < REFILL_SECONDS + 10


async def test_messages_over_the_limit_are_refused_not_lost_on_http_and_on_the_socket(
    server: Server, event_log: EventLog
) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        chat = await widget(client, server, event_log)
        cid, token = await opened(client, chat)
        url = f"{server.base}/v1/conversations/chat/{cid}/messages"
        statuses = []
        for n in range(4):
            r = await client.post(url, headers=chat.headers(token), json={"text": f"http {n}"})
            statuses.append(r.status_code)
        assert statuses == [202, 202, 202, 429]
        assert r.headers["retry-after"] == str(math.ceil(REFILL_SECONDS))

        async def resent() -> bool:
            again = await client.post(url, headers=chat.headers(token), json={"text": "http 3"})
            return again.status_code == 202

        await eventually(resent, timeout=REFILL_SECONDS + 10, what="the address's message bucket to refill")

        # The socket of the same address: refused with an error frame while the bucket is empty, then accepted.
        async with chat.socket(cid, token) as ws:
            answers: list[dict[str, Any]] = []
            while not any(a["kind"] == "error" for a in answers):
                await ws.send(json.dumps({"type": "message", "text": f"ws {len(answers)}"}))
                answers.append(await next_answer(ws))
            error = answers[-1]
            assert error["code"] == "rate_limited"
            assert 0 < error["retry_after"] <= REFILL_SECONDS
            sent_ok = [f"ws {i}" for i, a in enumerate(answers) if a["kind"] == "accepted"]

            async def accepted() -> bool:
                await ws.send(json.dumps({"type": "message", "text": "ws last"}))
                return bool((await next_answer(ws))["kind"] == "accepted")

            await eventually(accepted, timeout=REFILL_SECONDS + 10, what="the socket to accept again")

        # Every accepted message is in the conversation, once; no refused one is.
        r = await client.get(f"{server.base}/v1/conversations/chat/{cid}", headers=chat.headers(token))
        texts = [e["text"] for e in r.json()["events"] if e["type"] == "message.received"]
        assert texts == ["http 0", "http 1", "http 2", "http 3", *sent_ok, "ws last"]


async def next_answer(ws: ClientConnection) -> dict[str, Any]:
    """The next answer to something sent (``accepted`` or ``error``), skipping the delivered events."""
    while True:
        got = await frame(ws)
        if got["kind"] in ("accepted", "error"):
            return got


async def test_an_idle_event_stream_gets_keep_alive_comments_at_the_configured_interval(
    server: Server, event_log: EventLog
) -> None:
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(10, read=None)) as client:
        chat = await widget(client, server, event_log)
        cid, token = await opened(client, chat)
        url = f"{server.base}/v1/conversations/chat/{cid}/events?key={chat.key}&token={token}"
        started = time.monotonic()
        async with client.stream("GET", url, headers={"Origin": SHOP}) as response:
            assert response.status_code == 200
            lines = sse_lines(response)
            keep_alives = 0
            while keep_alives < 3:
                line = await asyncio.wait_for(anext(lines), timeout=10)
                keep_alives += line == ": keep-alive"
            # The server cannot send the third before three idle intervals have passed (a lower bound that holds
            # however slow the machine); the upper bound only catches a missing or much longer interval.
            elapsed = time.monotonic() - started
            assert 3 * KEEP_ALIVE_SECONDS <= elapsed < 3 * KEEP_ALIVE_SECONDS + 10, elapsed
            # ... and the stream still carries the conversation.
            r = await client.post(
                f"{server.base}/v1/conversations/chat/{cid}/messages", headers=chat.headers(token), json={"text": "hi"}
            )
            assert r.status_code == 202
            assert (await until_sse_event(lines, "event"))["text"] == "hi"


async def test_schema_v2_adds_the_revocation_columns_to_a_v1_table(server: Server) -> None:
    (v2,) = [m for m in MIGRATIONS if m.version == 2]
    columns = text(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'conversation' AND table_name = 'widget_keys'"
    )
    async with server.runtime.db.engine.connect() as conn:
        transaction = await conn.begin()
        try:
            await conn.execute(
                text("ALTER TABLE conversation.widget_keys DROP COLUMN key_prefix, DROP COLUMN revoked_at")
            )
            assert {"key_prefix", "revoked_at"}.isdisjoint((await conn.execute(columns)).scalars())
            await v2.apply(conn)
            await v2.apply(conn)  # and again: nothing to do
            assert {"key_prefix", "revoked_at"} <= set((await conn.execute(columns)).scalars())
        finally:
            await transaction.rollback()


def test_token_buckets_take_from_both_or_neither_and_forget_full_ones() -> None:
    now = [0.0]
    limiter = WidgetLimiter(
        {
            WidgetAction.OPEN: (Rate(per_minute=60, burst=3), Rate(per_minute=30, burst=2)),
            WidgetAction.MESSAGE: (Rate(per_minute=60, burst=1), Rate(per_minute=60, burst=1)),
        },
        clock=lambda: now[0],
    )
    assert limiter.admit(WidgetAction.OPEN, "k", "a") is None
    assert limiter.admit(WidgetAction.OPEN, "k", "a") is None
    refused = limiter.admit(WidgetAction.OPEN, "k", "a")
    assert refused is not None
    assert refused.scope == "client address"
    assert refused.retry_after == pytest.approx(2.0)
    # refused by the address: the key's bucket kept its token for another address
    assert limiter.admit(WidgetAction.OPEN, "k", "b") is None
    refused = limiter.admit(WidgetAction.OPEN, "k", "c")
    assert refused is not None
    assert refused.scope == "widget key"
    assert refused.retry_after == pytest.approx(1.0)
    assert refused.retry_after_header == "1"
    now[0] = 1.0
    assert limiter.admit(WidgetAction.OPEN, "k", "c") is None
    # messages have their own buckets
    assert limiter.admit(WidgetAction.MESSAGE, "k", "a") is None

    buckets = TokenBuckets(Rate(per_minute=60, burst=2))
    buckets.take("old", 0.0)
    buckets.take("new", 100.0)  # a sweep: "old" has long refilled and is dropped
    assert len(buckets) == 1
    assert buckets.tokens("old", 100.0) == 2.0
    assert buckets.tokens("new", 100.0) == 1.0


def test_an_ipv6_client_is_counted_by_its_64_not_by_each_address_it_picks() -> None:
    limiter = WidgetLimiter(
        {
            WidgetAction.OPEN: (Rate(per_minute=600, burst=100), Rate(per_minute=1, burst=2)),
            WidgetAction.MESSAGE: (Rate(per_minute=600, burst=100), Rate(per_minute=1, burst=2)),
        },
        clock=lambda: 0.0,
    )
    assert limiter.admit(WidgetAction.OPEN, "k", "2001:db8:1:2::1") is None
    assert limiter.admit(WidgetAction.OPEN, "k", "2001:db8:1:2:ffff::9") is None
    refused = limiter.admit(WidgetAction.OPEN, "k", "2001:db8:1:2:abcd::42")  # same /64, a third address
    assert refused is not None
    assert refused.scope == "client address"
    assert limiter.admit(WidgetAction.OPEN, "k", "2001:db8:1:3::1") is None  # another /64
    assert client_network("::ffff:198.51.100.7") == "198.51.100.7"  # IPv4 seen through IPv6
    assert client_network("198.51.100.7") == "198.51.100.7"
