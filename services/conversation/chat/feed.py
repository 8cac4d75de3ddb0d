"""Live delivery of one conversation: the log's replay from a position, then live events and reply deltas.

Resuming after ``after=<position>`` first listens to the conversation's live events (``hub.ChatHub``: one ordered
consumer per connection for every open chat), then replays the log from that position, then continues live,
skipping positions already sent: a client that reconnects with its last position misses nothing and sees nothing
twice. The hub's consumer asks the server only for the event types a customer is shown (``SHOWN``): a turn's
internal events (the model calls, the tool's result, the usage) are never delivered to this process for a chat to
drop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from libs.events import EventLog, RecordedEvent
from libs.events.envelope import decode
from services.conversation.chat.access import KeyWatch
from services.conversation.chat.frames import KEEP_ALIVE_FRAME, REVOKED_FRAME, delta_of, frame_for, may_show
from services.conversation.chat.hub import Arrivals, hub_on


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
    """Subscribed to the revocation notice, then listening to the conversation's reply deltas and live events
    (``hub.ChatHub``, one consumer and one subscription for every chat of the connection)."""
    arrivals: Arrivals = asyncio.Queue()

    async def revoked(msg: Msg) -> None:
        arrivals.put_nowait(("revoked", msg))

    subscription = await nc.subscribe(watch.subject, cb=revoked) if watch else None
    try:
        async with hub_on(nc).listening(tenant_id, conversation_id, arrivals):
            yield arrivals
    finally:
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()


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
