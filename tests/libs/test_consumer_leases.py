"""Two replicas of one ordered consumer (real JetStream and PostgreSQL, decision 0057): only the one holding the
consumer's advisory lock consumes; when its lock session is closed mid-stream it stops, the other takes over and
every event is applied once, in log order, the one the first was handling included. Each replica's consumer runs
its ``on_start`` as it begins to consume, retried until it succeeds (decision 0058)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from nats.aio.client import Client as NATS

from libs.events import EventLog, RecordedEvent, new_id
from libs.platform import nats_auth
from libs.platform.consumers import Consumers, Subscription
from libs.platform.db import asyncpg_dsn
from libs.platform.leases import ConsumerLease, ConsumerLeases, lock_key
from tests.libs.conversations import Conversation
from tests.support import eventually


class Replica:
    """One replica of the consumer: its own NATS connection and lock session."""

    def __init__(self, name: str, nc: NATS, database_url: str) -> None:
        self.name = name
        self.leases = ConsumerLeases(database_url, "test", heartbeat_s=0.2, grace_s=1.0)
        self.consumers = Consumers("test", nc, EventLog(nc), leases=self.leases)
        self.stuck_at: int | None = None  # a position this replica's handler never finishes (cancelled)
        self.stuck = asyncio.Event()

    def lease(self, durable: str) -> ConsumerLease:
        return self.leases.leases[durable]


@asynccontextmanager
async def replica(name: str, nats_url: str, database_url: str) -> AsyncIterator[Replica]:
    nc = await nats_auth.connect(nats_url)
    try:
        yield Replica(name, nc, database_url)
    finally:
        await nc.close()


async def test_one_replica_consumes_and_the_other_takes_over_in_order_when_its_lock_session_closes(
    event_log: EventLog, nats_url: str, database_url: str, tenant_id: str
) -> None:
    conversation = Conversation(event_log, tenant_id)
    name = new_id("leased").replace("_", "-")
    durable = f"test-{name}"
    handled: list[tuple[str, int]] = []  # (replica, position), every delivery handled
    applied: list[int] = []  # the effect: each position once (a redelivery is recognised and skipped)
    started: list[tuple[str, int]] = []  # (replica, deliveries handled by then): each start of a consumer
    attempts: list[str] = []

    def subscribe(rep: Replica) -> None:
        async def start() -> None:
            attempts.append(rep.name)
            if attempts.count(rep.name) == 1 and rep.name == "b":
                raise OSError("PostgreSQL is away")  # a failed start is tried again, before anything is fetched
            started.append((rep.name, len(handled)))

        async def handle(recorded: RecordedEvent) -> None:
            handled.append((rep.name, recorded.position))
            if recorded.position == rep.stuck_at:
                rep.stuck.set()
                await asyncio.Event().wait()  # handling it when its lock session is closed: cancelled
            if recorded.position not in applied:
                applied.append(recorded.position)

        rep.consumers.add(Subscription(name, conversation.subject, handle, ack_wait_s=1.0, on_start=start))

    await conversation.publish(8)
    async with (
        replica("a", nats_url, database_url) as a,
        replica("b", nats_url, database_url) as b,
    ):
        a.stuck_at = conversation.positions[5]
        subscribe(a)
        subscribe(b)
        await a.consumers.start()
        try:
            await asyncio.wait_for(a.lease(durable).wait_holding(), timeout=30)
            await b.consumers.start()
            try:
                await asyncio.wait_for(a.stuck.wait(), timeout=30)
                await eventually(
                    lambda: asyncio.sleep(0, b.lease(durable).took_over), timeout=30, what="b asked for the lock"
                )
                assert not b.lease(durable).holding
                assert {who for who, _ in handled} == {"a"}, "the standby consumed"
                assert applied == conversation.positions[:5]

                await conversation.publish(4)  # while a is stuck at the sixth
                conn = await asyncpg.connect(asyncpg_dsn(database_url))
                try:
                    assert await conn.fetchval("SELECT pg_terminate_backend($1)", a.leases.session_pid)
                finally:
                    await conn.close()
                await asyncio.wait_for(b.lease(durable).wait_holding(), timeout=30)
                await eventually(
                    lambda: asyncio.sleep(0, len(applied) >= len(conversation.positions)),
                    timeout=30,
                    what="every event applied",
                )
                await conversation.publish(2)  # and b goes on with what comes next
                await eventually(
                    lambda: asyncio.sleep(0, len(applied) >= len(conversation.positions)),
                    timeout=30,
                    what="the later events applied",
                )
            finally:
                await b.consumers.stop()
        finally:
            await a.consumers.stop()

    assert applied == conversation.positions, "an event was lost, repeated or overtaken across the takeover"
    first_b = next(i for i, (who, _) in enumerate(handled) if who == "b")
    assert all(who == "b" for who, _ in handled[first_b:]), "a went on consuming after b took over"
    assert handled[first_b] == ("b", conversation.positions[5]), "b did not start with the one a was handling"
    assert started == [("a", 0), ("b", first_b)], (
        "a consumer did not start (once) before it consumed, or b before a stopped"
    )


def test_each_consumer_of_each_service_has_a_lock_of_its_own() -> None:
    keys = {lock_key(s, d) for s in ("conversation", "ticketing") for d in ("conversation-projection", "tenants")}
    assert len(keys) == 4
    assert all(-(2**63) <= k < 2**63 for k in keys)
