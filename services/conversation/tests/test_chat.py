"""The web chat channel on a real server (uvicorn), NATS and PostgreSQL: widget keys, origins, client tokens,
WebSocket and server-sent-event delivery of the log and reply deltas, and resuming without gaps or repeats."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from nats.aio.client import Client as NATS
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from libs.events import Actor, AgentReplied, AgentTurnStarted, Envelope, EventLog, HumanReplied, RecordedEvent, new_id
from libs.events.streaming import ReplyDelta
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import any_conversation, reply_stream_subject
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.chat import chat_feed
from services.conversation.chat.frames import SHOWN
from services.conversation.chat.hub import hub_on
from services.conversation.config import ConversationSettings
from tests.support import listening, provision_tenant, write_scopes

SHOP = "https://shop.example.com"
AI = Actor(kind="ai", id="agent")
HUMAN = Actor(kind="human", id="agent_alice")


@dataclass
class Server:
    base: str
    runtime: ServiceRuntime

    @property
    def ws_base(self) -> str:
        return "ws" + self.base.removeprefix("http")


@pytest.fixture(scope="module")
async def server(nats_url: str, database_url: str) -> AsyncIterator[Server]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    app = create_app(settings)
    async with listening(app) as base:
        yield Server(base, app.state.runtime)


@dataclass
class Chat:
    tenant_id: str
    api_key: str
    widget_key: str
    conversation_id: str
    token: str


async def widget_key(client: httpx2.AsyncClient, server: Server, api_key: str, origins: list[str]) -> str:
    r = await client.post(
        f"{server.base}/v1/conversations/widget-keys",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"allowed_origins": origins},
    )
    assert r.status_code == 201, r.text
    key: str = r.json()["widget_key"]
    return key


async def open_chat(server: Server, event_log: EventLog) -> Chat:
    tenant = await provision_tenant(event_log, server.runtime)
    async with httpx2.AsyncClient(timeout=10) as client:
        key = await widget_key(client, server, tenant.api_key, [SHOP + "/"])
        r = await client.post(
            f"{server.base}/v1/conversations/chat", headers={"X-Widget-Key": key, "Origin": SHOP}, json={}
        )
        assert r.status_code == 201, r.text
        body = r.json()
    return Chat(tenant.tenant_id, tenant.api_key, key, body["conversation_id"], body["client_token"])


def socket(server: Server, chat: Chat, after: int = 0, origin: str = SHOP) -> connect:
    url = f"{server.ws_base}/v1/conversations/chat/{chat.conversation_id}/ws?key={chat.widget_key}&token={chat.token}"
    return connect(url + f"&after={after}", additional_headers={"Origin": origin}, open_timeout=10)


async def next_frames(ws: ClientConnection, count: int, kind: str = "event") -> list[dict[str, Any]]:
    """The next ``count`` frames of ``kind`` (others are skipped)."""
    out: list[dict[str, Any]] = []
    while len(out) < count:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["kind"] == kind:
            out.append(frame)
    return out


def reply(chat: Chat, text: str) -> Envelope:
    return Envelope.new(
        AgentReplied(turn_id="t1", message_id=new_id("msg"), text=text, provider="offline", model="m"),
        tenant_id=chat.tenant_id,
        conversation_id=chat.conversation_id,
        actor=AI,
    )


def human(chat: Chat, text: str) -> Envelope:
    return Envelope.new(
        HumanReplied(
            ticket_id="tkt_1", message_id=new_id("msg"), agent_id="agent_alice", agent_name="Alice", text=text
        ),
        tenant_id=chat.tenant_id,
        conversation_id=chat.conversation_id,
        actor=HUMAN,
    )


async def test_widget_keys_are_stored_as_digests_and_refuse_other_origins_keys_and_tokens(
    server: Server, event_log: EventLog
) -> None:
    chat = await open_chat(server, event_log)
    assert chat.widget_key.startswith("dpw_")
    async with server.runtime.db.session() as session:
        dump = str((await session.execute(text("SELECT * FROM conversation.widget_keys"))).all())
        dump += str((await session.execute(text("SELECT * FROM conversation.chat_sessions"))).all())
    assert chat.widget_key not in dump
    assert chat.token not in dump

    base = f"{server.base}/v1/conversations/chat"
    async with httpx2.AsyncClient(timeout=10) as client:
        ok = {"X-Widget-Key": chat.widget_key, "X-Client-Token": chat.token, "Origin": SHOP}
        # A browser asks first (CORS preflight, no key), then sends; both answers allow the page's origin.
        for path in (
            "",
            f"/{chat.conversation_id}",
            f"/{chat.conversation_id}/messages",
            f"/{chat.conversation_id}/events",
        ):
            r = await client.options(base + path, headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"})
            assert r.status_code == 204, (path, r.text)
            assert r.headers["access-control-allow-origin"] == SHOP
            assert "x-client-token" in r.headers["access-control-allow-headers"].lower()
        r = await client.post(f"{base}/{chat.conversation_id}/messages", headers=ok, json={"text": "hello"})
        assert r.status_code == 202, r.text
        assert r.headers["access-control-allow-origin"] == SHOP
        # another origin, a missing origin, an unknown key, the tenant's own API key as widget key
        for headers, status in [
            ({**ok, "Origin": "https://evil.example"}, 403),
            ({k: v for k, v in ok.items() if k != "Origin"}, 403),
            ({**ok, "X-Widget-Key": "dpw_unknown"}, 401),
            ({**ok, "X-Widget-Key": chat.api_key}, 401),
            ({**ok, "X-Client-Token": "guess"}, 404),
        ]:
            r = await client.post(f"{base}/{chat.conversation_id}/messages", headers=headers, json={"text": "x"})
            assert r.status_code == status, (headers, r.text)
        r = await client.post(base, headers={"X-Widget-Key": chat.widget_key, "Origin": "https://evil.example"})
        assert r.status_code == 403
        # A second widget key of the same tenant cannot use a conversation the first one opened, token or not.
        other = await widget_key(client, server, chat.api_key, ["*"])
        r = await client.get(f"{base}/{chat.conversation_id}", headers={**ok, "X-Widget-Key": other})
        assert r.status_code == 404
        # The widget key opens nothing else: the tenant API is closed to it.
        r = await client.get(f"{server.base}/v1/conversations", headers={"Authorization": f"Bearer {chat.widget_key}"})
        assert r.status_code == 401
        r = await client.post(
            f"{server.base}/v1/conversations/widget-keys",
            headers={"Authorization": f"Bearer {chat.api_key}"},
            json={"allowed_origins": ["not an origin"]},
        )
        assert r.status_code == 422
        r = await client.get(f"{base}/{chat.conversation_id}", headers=ok)
        assert [(e["type"], e["role"], e["text"]) for e in r.json()["events"]] == [
            ("message.received", "customer", "hello")
        ]

    with pytest.raises(InvalidStatus) as refused:
        async with socket(server, chat, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    chat.token = "guess"
    with pytest.raises(InvalidStatus):
        async with socket(server, chat):
            pass


async def test_a_widget_request_runs_in_its_keys_tenant_scope(
    server: Server, event_log: EventLog, database_url: str
) -> None:
    """The widget key is found in the system scope (it names the tenant); the chat it opens is written in that
    tenant's row-level security scope, not ``*`` (PostgreSQL records the scope of the insert)."""
    async with write_scopes(database_url, "conversation.chat_sessions") as seen:
        chat = await open_chat(server, event_log)
        assert [s for s in await seen() if s[0] == chat.tenant_id] == [(chat.tenant_id, chat.tenant_id)]


async def test_the_socket_carries_messages_replies_and_deltas_in_order(
    server: Server, event_log: EventLog, nc: NATS
) -> None:
    chat = await open_chat(server, event_log)
    async with socket(server, chat) as ws:
        await ws.send(json.dumps({"type": "message", "text": "where is my order #1001?"}))
        # the acknowledgement and the event itself may come in either order
        first_two = {f["kind"]: f for f in [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(2)]}
        accepted, received = first_two["accepted"], first_two["event"]
        assert (received["type"], received["text"], received["position"]) == (
            "message.received",
            "where is my order #1001?",
            accepted["position"],
        )
        await ws.send("not json")
        (error,) = await next_frames(ws, 1, kind="error")
        assert "message" in error["detail"]
        subject = reply_stream_subject(chat.tenant_id, chat.conversation_id)
        for seq, piece in enumerate(["It ships ", "today."]):
            delta = ReplyDelta(
                tenant_id=chat.tenant_id, conversation_id=chat.conversation_id, turn_id="t1", seq=seq, text=piece
            )
            await nc.publish(subject, delta.model_dump_json().encode())
        deltas = await next_frames(ws, 2, kind="delta")
        assert [d["text"] for d in deltas] == ["It ships ", "today."]
        await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, "It ships today.")], None)
        (replied,) = await next_frames(ws, 1)
        assert (replied["type"], replied["role"], replied["text"]) == ("agent.replied", "ai", "It ships today.")
        assert replied["position"] > received["position"]


async def test_a_client_that_reconnects_with_its_last_position_misses_nothing_and_sees_nothing_twice(
    server: Server, event_log: EventLog
) -> None:
    chat = await open_chat(server, event_log)
    tid, cid = chat.tenant_id, chat.conversation_id
    await event_log.append(tid, cid, [reply(chat, "Hi, how can I help?")], None)
    async with socket(server, chat) as ws:
        (first,) = await next_frames(ws, 1)
        assert first["text"] == "Hi, how can I help?"
    # While the client is away: a customer message from another tab, the AI's answer, a human's reply.
    async with httpx2.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{server.base}/v1/conversations/chat/{cid}/messages",
            headers={"X-Widget-Key": chat.widget_key, "X-Client-Token": chat.token, "Origin": SHOP},
            json={"text": "my order is late"},
        )
        assert r.status_code == 202
    await event_log.append(tid, cid, [reply(chat, "Let me check."), human(chat, "Alice here, sorted!")], None)
    async with socket(server, chat, after=first["position"]) as ws:
        missed = await next_frames(ws, 3)
        assert [f["text"] for f in missed] == ["my order is late", "Let me check.", "Alice here, sorted!"]
        assert missed[2]["agent_name"] == "Alice"
        positions = [first["position"], *(f["position"] for f in missed)]
        assert positions == sorted(set(positions))
        # ... and then live, with nothing repeated in between.
        await event_log.append(tid, cid, [reply(chat, "Anything else?")], None)
        (live,) = await next_frames(ws, 1)
        assert live["text"] == "Anything else?"
        assert live["position"] > missed[-1]["position"]


async def sse_events(lines: AsyncIterator[str], count: int) -> list[tuple[str, dict[str, Any]]]:
    """``(id, frame)`` of the next ``count`` SSE events of kind 'event'."""
    out: list[tuple[str, dict[str, Any]]] = []
    fields: dict[str, str] = {}
    while len(out) < count:
        line = await asyncio.wait_for(anext(lines), timeout=10)
        if line == "":
            if fields.get("event") == "event":
                out.append((fields.get("id", ""), json.loads(fields["data"])))
            fields = {}
        elif ":" in line and not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    return out


async def test_server_sent_events_resume_from_the_last_event_id(server: Server, event_log: EventLog) -> None:
    chat = await open_chat(server, event_log)
    tid, cid = chat.tenant_id, chat.conversation_id
    await event_log.append(tid, cid, [reply(chat, "one"), reply(chat, "two")], None)
    url = f"{server.base}/v1/conversations/chat/{cid}/events?key={chat.widget_key}&token={chat.token}"
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(10, read=None)) as client:
        async with client.stream("GET", url, headers={"Origin": SHOP}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["access-control-allow-origin"] == SHOP
            got = await sse_events(response.aiter_lines(), 2)
        assert [f["text"] for _, f in got] == ["one", "two"]
        assert got[0][0] == str(got[0][1]["position"])
        await event_log.append(tid, cid, [reply(chat, "three")], None)
        headers = {"Origin": SHOP, "Last-Event-ID": got[0][0]}
        async with client.stream("GET", url, headers=headers) as response:
            lines = response.aiter_lines()
            again = await sse_events(lines, 2)
            assert [f["text"] for _, f in again] == ["two", "three"]
            await event_log.append(tid, cid, [human(chat, "four")], None)
            (live,) = await sse_events(lines, 1)
            assert live[1]["text"] == "four"


class RacingLog(EventLog):
    """An event log where an append lands while the feed replays: after the live consumer started, before the read
    returns. The event is then both in the replay and on the live consumer."""

    def __init__(self, nc: NATS, racer: Envelope) -> None:
        super().__init__(nc)
        self.racer = racer

    async def read(
        self, tenant_id: str, conversation_id: str, from_version: int = 0, *, through: int = 0
    ) -> list[RecordedEvent]:
        await self.append(tenant_id, conversation_id, [self.racer], None)
        return await super().read(tenant_id, conversation_id, from_version, through=through)


async def test_an_event_appended_during_the_replay_is_delivered_once(
    server: Server, event_log: EventLog, nc: NATS
) -> None:
    chat = await open_chat(server, event_log)
    (before,) = await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, "before")], None)
    log = RacingLog(nc, reply(chat, "racing"))
    feed = chat_feed(nc, log, chat.tenant_id, chat.conversation_id, after=0)
    async with contextlib.aclosing(feed):
        frames = [await asyncio.wait_for(anext(feed), 10) for _ in range(2)]
        assert [f["text"] for f in frames] == ["before", "racing"]
        assert frames[0]["position"] == before
        await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, "after")], None)
        following = await asyncio.wait_for(anext(feed), 10)
        assert following["text"] == "after"  # not "racing" a second time


async def test_the_live_feed_is_delivered_only_the_events_a_customer_is_shown(
    server: Server, event_log: EventLog, nc: NATS
) -> None:
    """A turn's internal events never reach the chat's process: the server filters them out of the live consumer
    (the connection's one for all its chats, ``chat.hub``)."""
    chat = await open_chat(server, event_log)
    internal = Envelope.new(
        AgentTurnStarted(turn_id="t1", trigger_event_id=new_id("evt"), provider="offline", model="m"),
        tenant_id=chat.tenant_id,
        conversation_id=chat.conversation_id,
        actor=AI,
    )
    feed = chat_feed(nc, event_log, chat.tenant_id, chat.conversation_id, after=0)
    async with contextlib.aclosing(feed):
        await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, "first")], None)
        assert (await asyncio.wait_for(anext(feed), 10))["text"] == "first"  # replayed; the live consumer is there
        appended = await event_log.append(chat.tenant_id, chat.conversation_id, [internal, reply(chat, "second")], None)
        assert (await asyncio.wait_for(anext(feed), 10))["text"] == "second"
        live = await hub_on(nc).consumer()
        # the server delivers the shown types only: the turn's opening was not sent to this process at all
        assert sorted(live.config.filter_subjects or []) == sorted(any_conversation(t) for t in SHOWN)
        assert internal.type not in SHOWN
        assert live.delivered is not None
        assert live.delivered.stream_seq >= appended[1]


async def test_the_chats_of_a_connection_share_one_live_consumer_and_each_gets_its_own(
    server: Server, event_log: EventLog, nc: NATS
) -> None:
    """Decision 0063: opening chats creates no consumer each on the server (one per connection, ``chat.hub``), and
    what the hub receives goes to the chats of its conversation only, of whatever tenant."""
    chats = [await open_chat(server, event_log) for _ in range(3)]  # three tenants
    before = len(await nc.jetstream().consumers_info(EVENTS_STREAM))
    feeds = [chat_feed(nc, event_log, c.tenant_id, c.conversation_id, after=0) for c in chats]
    async with contextlib.AsyncExitStack() as stack:
        for chat, feed in zip(chats, feeds, strict=True):
            await stack.enter_async_context(contextlib.aclosing(feed))
            await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, f"hello {chat.tenant_id}")], None)
            assert (await asyncio.wait_for(anext(feed), 10))["text"] == f"hello {chat.tenant_id}"
        assert len(await nc.jetstream().consumers_info(EVENTS_STREAM)) - before <= 1, "a consumer per chat"
        middle = chats[1]
        await event_log.append(middle.tenant_id, middle.conversation_id, [reply(middle, "only for the middle")], None)
        for chat in (chats[0], chats[2]):
            await event_log.append(chat.tenant_id, chat.conversation_id, [reply(chat, f"own {chat.tenant_id}")], None)
        assert (await asyncio.wait_for(anext(feeds[1]), 10))["text"] == "only for the middle"
        for chat, feed in ((chats[0], feeds[0]), (chats[2], feeds[2])):
            assert (await asyncio.wait_for(anext(feed), 10))["text"] == f"own {chat.tenant_id}"
