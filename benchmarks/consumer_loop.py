"""Consumer-loop benchmark: raw nats-py vs our ``Consumers`` loop vs FastStream's pull subscriber, side by side.

Runs against a real embedded nats-server (``sync_interval: always``, file storage) in a temporary directory and
uses the real ``DP_EVENTS`` stream. Every measurement gets its own conversation subject
(``dp.conv.bench.<run>.message.received``) and its own durable consumer, deleted afterwards, so runs do not share
state. Repetitions are interleaved (rep 1 of every loop, then rep 2, ...) and the median of 3 is reported.

Measured:

* (a) raw nats-py: publish N envelopes with 64 publishes in flight (``EventLog.publish``: ``Nats-Msg-Id`` and
  trace headers); consume with a plain durable pull subscriber, fetch 64, ``ack`` each, no decoding;
* (b) ``libs.platform.consumers.Consumers`` (decode + span + handler + ack) with ``max_workers`` 1 and 16;
* (c) FastStream's pull subscriber (``PullSub(batch_size=64, timeout=1.0)``, ``AckPolicy.ACK``); the handler takes
  ``body: Envelope``, so FastStream parses and validates the envelope, the same work our loop's ``decode`` does;
* (d) idle: each loop left ~5 s on an empty subject; FastStream's consume-task restarts and supervisor log records
  counted, and our loop's warnings.

Consume rates are timed from starting the consumer (consumer creation included) to the N-th handled message.

Run: ``.venv/bin/python benchmarks/consumer_loop.py``
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import nats
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from deskpilot.embedded import EmbeddedNats
from libs.events import Actor, Envelope, EventLog, MessageReceived, RecordedEvent
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import conversation_subject
from libs.platform.consumers import Consumers, Subscription
from services.integrations.vault import new_master_key

N = 5000
IN_FLIGHT = 64
BATCH = 64
REPEATS = 3
IDLE_S = 5.0
TENANT = "bench"
EVENT_TYPE = "message.received"
CONSUME_TIMEOUT_S = 30.0
SUPERVISOR_MESSAGE = "raised an exception, retrying"


class Records(logging.Handler):
    """Keeps every record it is given, to count them afterwards."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def count(self, fragment: str = "", level: int = logging.DEBUG) -> int:
        return sum(1 for r in self.records if r.levelno >= level and fragment in r.getMessage())


def quiet_logger(name: str, handler: logging.Handler) -> logging.Logger:
    """A logger that drops INFO (per-message access logs) and keeps WARNING+ in ``handler`` only."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.handlers = [handler]
    return logger


def subject_of(run: str) -> str:
    return conversation_subject(TENANT, run, EVENT_TYPE)


def envelopes(run: str, n: int) -> list[Envelope]:
    customer = Actor(kind="customer", id="cust-1")
    return [
        Envelope.new(
            MessageReceived(message_id=f"m-{i}", text=f"Hello, my order #{i} has not arrived yet. Can you help?"),
            tenant_id=TENANT,
            actor=customer,
            conversation_id=run,
        )
        for i in range(n)
    ]


async def publish_all(event_log: EventLog, events: list[Envelope]) -> float:
    """Publish with ``IN_FLIGHT`` acked publishes outstanding; returns msg/s."""
    queue = iter(events)

    async def worker() -> None:
        for event in queue:
            await event_log.publish(event)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return len(events) / (time.perf_counter() - start)


async def delete_consumer(nc: NATS, durable: str) -> None:
    with contextlib.suppress(NotFoundError):
        await nc.jetstream().delete_consumer(EVENTS_STREAM, durable)


async def consume_raw(nc: NATS, run: str) -> float:
    js = nc.jetstream()
    durable = f"raw-{run}"
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        filter_subject=subject_of(run),
    )
    start = time.perf_counter()
    psub = await js.pull_subscribe(subject_of(run), durable=durable, stream=EVENTS_STREAM, config=config)
    seen = 0
    deadline = start + CONSUME_TIMEOUT_S
    while seen < N:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"raw consumer saw {seen}/{N}")
        try:
            msgs = await psub.fetch(batch=BATCH, timeout=1.0)
        except TimeoutError:  # nats.errors.TimeoutError subclasses it
            continue
        for msg in msgs:
            await msg.ack()
        seen += len(msgs)
    elapsed = time.perf_counter() - start
    await psub.unsubscribe()
    await delete_consumer(nc, durable)
    return N / elapsed


async def consume_ours(nc: NATS, event_log: EventLog, run: str, max_workers: int) -> float:
    done = asyncio.Event()
    seen = 0

    async def handler(_: RecordedEvent) -> None:
        nonlocal seen
        seen += 1
        if seen >= N:
            done.set()

    consumers = Consumers("bench", nc, event_log)
    sub = Subscription(name=run, subject=subject_of(run), handler=handler, max_workers=max_workers, batch_size=BATCH)
    consumers.add(sub)
    start = time.perf_counter()
    await consumers.start()
    try:
        await asyncio.wait_for(done.wait(), CONSUME_TIMEOUT_S)
        elapsed = time.perf_counter() - start
    finally:
        await consumers.stop()
    await delete_consumer(nc, consumers.durable(sub))
    return N / elapsed


def faststream_broker(url: str, logger: logging.Logger) -> NatsBroker:
    return NatsBroker(url, logger=logger, log_level=logging.DEBUG)


async def consume_faststream(nc: NATS, url: str, run: str, records: Records) -> float:
    done = asyncio.Event()
    seen = 0
    broker = faststream_broker(url, quiet_logger("bench.faststream", records))
    durable = f"fs-{run}"
    subscriber = broker.subscriber(
        subject_of(run),
        stream=JStream(EVENTS_STREAM, declare=False),
        durable=durable,
        pull_sub=PullSub(batch_size=BATCH, timeout=1.0),
        ack_policy=AckPolicy.ACK,
    )

    @subscriber
    async def handle(body: Envelope) -> None:  # FastStream parses the JSON and validates it into the envelope
        nonlocal seen
        del body
        seen += 1
        if seen >= N:
            done.set()

    await broker.connect()
    start = time.perf_counter()
    await broker.start()
    try:
        await asyncio.wait_for(done.wait(), CONSUME_TIMEOUT_S)
        elapsed = time.perf_counter() - start
    finally:
        await broker.stop()
    await delete_consumer(nc, durable)
    return N / elapsed


async def idle_faststream(nc: NATS, url: str, records: Records) -> tuple[int, int, str]:
    """Returns (consume-task restarts, supervisor 'retrying' log records, exception types seen)."""
    broker = faststream_broker(url, quiet_logger("bench.faststream.idle", records))
    durable = "fs-idle"
    subscriber = broker.subscriber(
        subject_of("idle-fs"),
        stream=JStream(EVENTS_STREAM, declare=False),
        durable=durable,
        pull_sub=PullSub(batch_size=BATCH, timeout=1.0),
        ack_policy=AckPolicy.ACK,
    )

    @subscriber
    async def handle(body: Envelope) -> None:
        del body

    await broker.start()
    await asyncio.sleep(IDLE_S)
    tasks = list(subscriber.tasks)  # TasksMixin appends the restarted task and keeps the failed ones
    await broker.stop()
    await delete_consumer(nc, durable)
    failed = [t.exception() for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]
    kinds = sorted({f"{type(e).__module__}.{type(e).__qualname__}" for e in failed})
    return len(tasks) - 1, records.count(SUPERVISOR_MESSAGE), ", ".join(kinds) or "-"


async def idle_ours(nc: NATS, event_log: EventLog) -> tuple[int, bool]:
    """Returns (WARNING+ records from deskpilot.consumers, loop task still running at the end)."""
    records = Records()
    logger = logging.getLogger("deskpilot.consumers")
    logger.addHandler(records)

    async def handler(_: RecordedEvent) -> None:
        return None

    consumers = Consumers("bench", nc, event_log)
    sub = Subscription(name="idle-ours", subject=subject_of("idle-ours"), handler=handler)
    consumers.add(sub)
    await consumers.start()
    await asyncio.sleep(IDLE_S)
    alive = all(not t.done() for t in consumers._tasks)
    await consumers.stop()
    logger.removeHandler(records)
    await delete_consumer(nc, consumers.durable(sub))
    return records.count(level=logging.WARNING), alive


def median(values: list[float]) -> str:
    return f"{statistics.median(values):>9,.0f}"


def spread(values: list[float]) -> str:
    return " / ".join(f"{v:,.0f}" for v in values)


async def main() -> None:
    os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")  # the log seals personal data
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dp-bench-") as tmp:
        server = EmbeddedNats(Path(tmp))
        url = server.start()
        try:
            nc = await nats.connect(url)
            event_log = EventLog(nc)
            await event_log.ensure_streams()
            fs_records = Records()

            # (d) idle first: FastStream's supervisor logs a given exception only once per process (it caches a
            # hash of it for an hour), so a timeout raised earlier in the run would hide the log record.
            (fs_restarts, fs_logged, fs_kinds), (our_warnings, our_alive) = await asyncio.gather(
                idle_faststream(nc, url, fs_records), idle_ours(nc, event_log)
            )

            publish: list[float] = []
            rates: dict[str, list[float]] = {"raw": [], "ours-1": [], "ours-16": [], "faststream": []}
            loops: dict[str, Callable[[str], Awaitable[float]]] = {
                "raw": lambda run: consume_raw(nc, run),
                "ours-1": lambda run: consume_ours(nc, event_log, run, 1),
                "ours-16": lambda run: consume_ours(nc, event_log, run, 16),
                "faststream": lambda run: consume_faststream(nc, url, run, fs_records),
            }
            for rep in range(REPEATS):
                for name, consume in loops.items():
                    run = f"{name}-r{rep}"
                    rate = await publish_all(event_log, envelopes(run, N))
                    if name == "raw":
                        publish.append(rate)
                    rates[name].append(await consume(run))
            fs_errors = fs_records.count(level=logging.ERROR)
            await nc.close()
        finally:
            server.stop()
    total = time.perf_counter() - started

    print(f"Consumer-loop benchmark: N={N} MessageReceived envelopes per run, median of {REPEATS} runs")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; embedded nats-server, sync_interval: always"
    )
    print()
    print(f"{'measurement':<52} {'median msg/s':>12}   runs")
    rows = [
        (f"(a) raw nats-py publish, {IN_FLIGHT} in flight", publish),
        (f"(a) raw nats-py pull consume, fetch {BATCH}, ack each", rates["raw"]),
        ("(b) Consumers loop, max_workers=1", rates["ours-1"]),
        ("(b) Consumers loop, max_workers=16", rates["ours-16"]),
        (f"(c) FastStream PullSub(batch_size={BATCH}), AckPolicy.ACK", rates["faststream"]),
    ]
    for label, values in rows:
        print(f"{label:<52} {median(values):>12}   {spread(values)}")
    print()
    print(f"(d) idle {IDLE_S:.0f} s on an empty subject")
    print(f"    FastStream: consume task restarted {fs_restarts} times; exceptions: {fs_kinds}")
    print(f"    FastStream: supervisor '{SUPERVISOR_MESSAGE}' log records: {fs_logged}")
    print(f"    Consumers loop: restarts 0 (task alive: {our_alive}); warnings/errors logged: {our_warnings}")
    print(f"FastStream ERROR log records over the whole run: {fs_errors}")
    print(f"total run time: {total:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
