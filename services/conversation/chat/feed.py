"""Live delivery of one conversation: the log's replay from a position, then live events and reply deltas.

Resuming after ``after=<position>`` first starts a live ordered consumer on the conversation's subjects, then
replays the log from that position, then continues live, skipping positions already sent: a client that
reconnects with its last position misses nothing and sees nothing twice. The live consumer asks the server only
for the event types a customer is shown (``SHOWN``): a turn's internal events (the model calls, the tool's result,
the usage) are never delivered to this process for a chat to drop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from libs.events import EventLog, RecordedEvent
from libs.events.envelope import decode
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import conversation_type_filter, reply_stream_subject
from services.conversation.chat.access import KeyWatch
from services.conversation.chat.frames import (
    KEEP_ALIVE_FRAME,
    REVOKED_FRAME,
    SHOWN,
    delta_of,
    frame_for,
    may_show,
)

Arrivals = asyncio.Queue[tuple[str, Msg]]  # ("event" | "delta" | "revoked", message)


async def chat_feed(
    nc: NATS,
    log: EventLog,
    tenant_id: str,
    conversation_id: str,
    after: int,
    *,
    watch: KeyWatch | None = None,
    keep_alive: float | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """Frames after position ``after``: the log's replay, then live events and reply deltas, each event once.

    With ``watch``, the feed ends with :data:`REVOKED_FRAME` when the widget key is revoked. With ``keep_alive``
    (seconds), :data:`KEEP_ALIVE_FRAME` comes whenever nothing else came for that long.
    """
    async with _listening(nc, tenant_id, conversation_id, watch) as arrivals:
        if watch and await watch.revoked():
            yield REVOKED_FRAME
            return
        last = after
        for recorded in await log.read(tenant_id, conversation_id, after):
            last = recorded.position
            frame = frame_for(recorded)
            if frame is not None:
                yield frame
        async with contextlib.aclosing(_live(log, arrivals, last, keep_alive)) as live:
            async for frame in live:
                yield frame


@contextlib.asynccontextmanager
async def _listening(nc: NATS, tenant_id: str, conversation_id: str, watch: KeyWatch | None) -> AsyncIterator[Arrivals]:
    """Subscribed to the revocation notice, the reply deltas and the conversation's live events, in that order."""
    arrivals: Arrivals = asyncio.Queue()

    def arrive(kind: str) -> Callable[[Msg], Awaitable[None]]:
        async def put(msg: Msg) -> None:
            arrivals.put_nowait((kind, msg))

        return put

    subscriptions: list[Any] = []
    try:
        if watch:
            subscriptions.append(await nc.subscribe(watch.subject, cb=arrive("revoked")))
        subscriptions.append(await nc.subscribe(reply_stream_subject(tenant_id, conversation_id), cb=arrive("delta")))
        # Live first, then the replay: anything appended in between is in one or the other (or both, skipped later).
        shown = sorted(conversation_type_filter(tenant_id, conversation_id, t) for t in SHOWN)
        live = await nc.jetstream().subscribe(
            shown[0],
            cb=arrive("event"),
            stream=EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            config=ConsumerConfig(filter_subjects=shown),
        )
        subscriptions.append(live)
        yield arrivals
    finally:
        for sub in reversed(subscriptions):
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


async def _live(
    log: EventLog, arrivals: Arrivals, last: int, keep_alive: float | None
) -> AsyncGenerator[dict[str, Any], None]:
    """Frames of what arrives, events after position ``last`` only; keep-alives while nothing is sent."""
    loop = asyncio.get_running_loop()
    last_sent = loop.time()  # of the last frame yielded: events that make no frame must not hold keep-alives back
    while True:
        wait = None if keep_alive is None else max(0.0, last_sent + keep_alive - loop.time())
        try:
            kind, msg = await asyncio.wait_for(arrivals.get(), wait)
        except TimeoutError:
            last_sent = loop.time()
            yield KEEP_ALIVE_FRAME
            continue
        if kind == "revoked":
            yield REVOKED_FRAME
            return
        if kind == "delta":
            frame = delta_of(msg)
        elif (position := msg.metadata.sequence.stream) > last:
            last = position
            if not may_show(msg):
                continue
            frame = frame_for(RecordedEvent(position, await log.open(decode(msg.data))))
        else:
            continue
        if frame is not None:
            last_sent = loop.time()
            yield frame
