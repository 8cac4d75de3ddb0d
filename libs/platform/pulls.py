"""A durable consumer's pull request kept open on the server, instead of one request per fetch (ordered and
concurrent consumers alike: a concurrent one asks for no more than its free workers, ``FreeSlots``).

nats-py's ``fetch`` makes a pull request per call (``no_wait`` with ``expires``) and the server ends each with a
``404 No Messages`` status once it has delivered what there was: for a consumer that takes events as they come, as
every ordered consumer does while turns run one after another, that is three messages through NATS for every event
besides its delivery and acknowledgement (request, delivery, status, ack). Here one request asks for up to
``batch`` messages and stays open until they have all come or it expires (``FETCH_WAIT_S``), so an event costs its
delivery and its acknowledgement; a new request is made only when the last one is used up or has expired.
Measured with ``benchmarks/turn_counts.py`` (see the commit that brought this in).

At most ``batch`` messages are ever delivered and not yet handed out, as with ``fetch(batch)``. Those waiting here
while the consumer is busy with earlier ones may be delivered again once their ack wait runs out (a handler riding
out an outage): the consumer hands a message out only if its stream sequence is past the last one it settled
(``settled``), and acknowledges the others unhandled, so a redelivery never repeats a side effect nor overtakes a
later event.

A consumer that no turn waits for (``Subscription.polls``) keeps no request open at all: ``poll`` asks once per
``gather_s`` with a request the server ends at once (``no_wait``), so an event written meanwhile stays on the server
until the next poll instead of waking the process while the agent starts the turn it opened (decision 0062).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as CoreSubscription
from nats.js.api import Header, StatusCode
from prometheus_client import Gauge

log = logging.getLogger("deskpilot.consumers")

_GRACE_S = 1.0
"""How long past its expiry a request's ``408`` may be late before the request is taken as lost (NATS restarted)."""


class StandingPull:
    """Pull requests for one durable consumer, each kept open until used up or expired, delivered to an inbox of its
    own (``$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>``)."""

    def __init__(self, nc: NATS, stream: str, durable: str, batch: int, expires_s: float) -> None:
        self._nc = nc
        self._durable = durable
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._batch = batch
        self._expires_s = expires_s
        self._inbox = nc.new_inbox()
        self._sub: CoreSubscription | None = None
        self._arrived: deque[Msg] = deque()
        self._wake = asyncio.Event()
        self._owed = 0  # messages the open request may still deliver; 0: no request open
        self._deadline = 0.0
        self._polled = 0.0  # when ``poll`` last asked
        self._full = False  # whether that ask came back with all it asked for
        self.settled = 0
        """Stream sequence of the last message the consumer settled (handled and acknowledged, or parked)."""

    async def fetch(self, batch: int | None = None, wait_s: float | None = None) -> list[Msg]:
        """What has come, in order, once at least one message has (waiting at most about ``expires_s``, or
        ``wait_s``); ``[]`` when the request expired with nothing, or nothing came within ``wait_s`` (the request
        stays open). A new request, when one is due, asks for ``batch`` (default: the consumer's): a concurrent
        consumer asks only for what it has free workers for, as with ``fetch``."""
        await self._subscribed()
        # Messages already here go first (after an outage, say): a new request could bring them again, overdue.
        if not self._arrived and (self._owed <= 0 or time.monotonic() > self._deadline + _GRACE_S):
            await self._request(batch or self._batch)
        msgs: list[Msg] = []
        if not self._arrived:
            lost_in = self._deadline + _GRACE_S - time.monotonic()
            if not await self._arrival(lost_in if wait_s is None else min(wait_s, lost_in)):
                if wait_s is None or wait_s >= lost_in:
                    self._owed = 0  # lost with a NATS restart: ask again
                return msgs
        while self._arrived and len(msgs) < (batch or self._batch):  # what has come, up to the batch
            await self._take(self._arrived.popleft(), msgs)
        return msgs

    async def gather(self, msgs: list[Msg], batch: int, within_s: float, until: Callable[[str], bool]) -> list[Msg]:
        """``msgs`` and what else comes within ``within_s`` (up to ``batch`` in all), until one whose subject
        ``until`` holds is among them. Nothing is dropped: what comes later waits here for the next fetch."""
        deadline = time.monotonic() + within_s
        while len(msgs) < batch and not any(until(m.subject) for m in msgs):
            left = deadline - time.monotonic()
            if left <= 0 or not (more := await self.fetch(batch - len(msgs), wait_s=left)):
                break
            msgs = [*msgs, *more]
        return msgs

    async def poll(self, batch: int, every_s: float) -> list[Msg]:
        """What waits on the server, up to ``batch``, asked for ``every_s`` after the last ask (at once after an ask
        that came back full) with a request the server ends at once (``no_wait``): a consumer that polls holds no
        request open, so nothing is delivered to it, nor wakes its process, between polls (decision 0062)."""
        if not self._full:
            await asyncio.sleep(max(0.0, self._polled + every_s - time.monotonic()))
        self._polled = time.monotonic()
        await self._subscribed()
        msgs: list[Msg] = []
        if not self._arrived:  # else what an earlier ask brought late goes first
            await self._request(batch, no_wait=True)
        answered_by = time.monotonic() + _GRACE_S
        while len(msgs) < batch and (self._arrived or self._owed > 0):
            if not self._arrived and not await self._arrival(answered_by - time.monotonic()):
                self._owed = 0  # lost with a NATS restart: the next poll asks again
                break
            await self._take(self._arrived.popleft(), msgs)
        self._full = len(msgs) >= batch
        return msgs

    async def _subscribed(self) -> None:
        if self._sub is None:
            self._sub = await self._nc.subscribe(self._inbox, cb=self._arrive)

    async def _arrival(self, within_s: float) -> bool:
        """Whether a message came within ``within_s`` (none had come before the call)."""
        self._wake.clear()
        try:
            async with asyncio.timeout(max(0.0, within_s)):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True

    async def _arrive(self, msg: Msg) -> None:
        self._arrived.append(msg)
        self._wake.set()

    async def _request(self, batch: int, *, no_wait: bool = False) -> None:
        # no_wait: the server sends what there is, then (if fewer than asked) a 404 status, and ends the request
        ask = {"batch": batch, "no_wait": True} if no_wait else {"batch": batch, "expires": int(self._expires_s * 1e9)}
        await self._nc.publish(self._next, json.dumps(ask).encode(), reply=self._inbox)
        self._owed = batch
        self._deadline = time.monotonic() + self._expires_s

    async def _take(self, msg: Msg, into: list[Msg]) -> None:
        status = (msg.headers or {}).get(Header.STATUS)
        if status == StatusCode.CONTROL_MESSAGE:
            return
        if status:  # 408: expired; 404: a poll found no more; 409: the server ended it (leader changed, …); ask again
            self._owed = 0
            if status not in (StatusCode.REQUEST_TIMEOUT, StatusCode.NO_MESSAGES):
                log.info("consumer %s: pull request ended: %s %s", self._durable, status, msg.headers)
                await asyncio.sleep(0.5)
            return
        self._owed -= 1
        if msg.metadata.sequence.stream <= self.settled:  # delivered again while it waited here: handled already
            with contextlib.suppress(Exception):
                await msg.ack()
            return
        into.append(msg)

    async def unsubscribe(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
            self._owed = 0
            self._arrived.clear()


class FreeSlots:
    """How many more messages a concurrent consumer may take on (its workers not busy); ``holding`` counts the taken."""

    def __init__(self, workers: int, holding: Gauge) -> None:
        self._free, self._holding = workers, holding
        self._changed = asyncio.Event()

    async def free(self) -> int:
        while self._free <= 0:
            self._changed.clear()
            await self._changed.wait()
        return self._free

    def take(self) -> None:
        self._free -= 1
        self._holding.inc()

    def give_back(self, _done: object = None) -> None:
        self._free += 1
        self._holding.dec()
        self._changed.set()
