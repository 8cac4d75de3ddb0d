"""What a process's open chats listen to, taken once for all of them: one ordered consumer on the event types a
customer is shown in every conversation, and one subscription on every reply delta, fanned out here to the chats of
each conversation.

A consumer per chat (as before) cost the server a consumer for every open widget and this process two timers per
chat (nats-py's flow-control check every 0.25 s, its heartbeat check): 0.135 CPU-ms a second per idle open chat,
measured with 200 open (conversation service 1 → 23 CPU-ms/s, nats-server 6 → 12), so ~1.4 cores for 10,000
widgets doing nothing. Here it is one consumer and one subscription per connection, however many chats are open.

``ChatHub.listening`` registers a chat before it replays the log: an event stored before the chat registered is in
the replay, one stored after it is delivered here (the consumer exists from the hub's start on), both skipped
later by position when both have it (``feed._live``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, ConsumerInfo, DeliverPolicy

from libs.events.per_connection import one_per_connection
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import (
    any_conversation,
    any_reply_stream,
    parse_conversation_subject,
    parse_reply_stream_subject,
)
from services.conversation.chat.frames import SHOWN

Arrivals = asyncio.Queue[tuple[str, Msg]]  # ("event" | "delta" | "revoked", message)
Key = tuple[str, str]  # (tenant, conversation)


class ChatHub:
    """The shown events and reply deltas of every conversation, for the chats of one connection."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._chats: dict[Key, set[Arrivals]] = {}
        self._deltas: Subscription | None = None  # both made when the first chat listens
        self._events: JetStreamContext.PushSubscription | None = None
        self._starting = asyncio.Lock()

    @property
    def subjects(self) -> list[str]:
        """The subjects of its subscriptions, which stay as long as the connection (once a chat listened)."""
        return [s.subject for s in (self._deltas, self._events) if s is not None]

    async def consumer(self) -> ConsumerInfo:
        """The server's view of its live consumer (what it filters, what it delivered); after a chat listened."""
        assert self._events is not None
        return await self._events.consumer_info()

    @contextlib.asynccontextmanager
    async def listening(self, tenant_id: str, conversation_id: str, arrivals: Arrivals) -> AsyncIterator[None]:
        """``arrivals`` gets the conversation's shown events and reply deltas while in this block."""
        await self._started()
        key = (tenant_id, conversation_id)
        self._chats.setdefault(key, set()).add(arrivals)
        try:
            yield
        finally:
            chats = self._chats.get(key, set())
            chats.discard(arrivals)
            if not chats:
                self._chats.pop(key, None)

    async def _started(self) -> None:
        async with self._starting:
            if self._events is not None:
                return
            deltas = await self._nc.subscribe(any_reply_stream(), cb=self._delta)
            shown = sorted(any_conversation(t) for t in SHOWN)
            try:
                self._events = await self._nc.jetstream().subscribe(
                    shown[0],
                    cb=self._event,
                    stream=EVENTS_STREAM,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.NEW,
                    config=ConsumerConfig(filter_subjects=shown),
                )
            except Exception:
                await deltas.unsubscribe()
                raise
            self._deltas = deltas

    async def _event(self, msg: Msg) -> None:
        if (parsed := parse_conversation_subject(msg.subject)) is not None:
            self._hand_out((parsed[0], parsed[1]), "event", msg)

    async def _delta(self, msg: Msg) -> None:
        if (key := parse_reply_stream_subject(msg.subject)) is not None:
            self._hand_out(key, "delta", msg)

    def _hand_out(self, key: Key, kind: str, msg: Msg) -> None:
        for arrivals in self._chats.get(key, ()):
            arrivals.put_nowait((kind, msg))


hub_on = one_per_connection(ChatHub)
"""The chat hub of a connection, made on first use (its subscriptions when its first chat listens)."""
