"""The transactional outbox: a service's state change and the events it causes commit together.

Events collected in a :class:`UnitOfWork` are written to the service's ``outbox`` table in the same transaction as
its state. After the commit the relay appends them to the event log (idempotent on the event id) and marks them
sent; a crash between commit and publish is repaired by the relay's sweep, which runs at start-up and periodically.
On rollback the events are dropped with the transaction.

One publisher at a time per outbox (a transaction-scoped advisory lock across replicas, and in each process an
``asyncio.Lock`` in front of it, so that a process holds at most one connection waiting for it): rows go out in
``seq`` order (roughly the order of commit: ``seq`` is taken just before it), and when a unit of work returns, its
events are on the log — had the sweep been publishing them, the unit of work waited for it, and a backlog is
drained batch after batch. (With ``SKIP LOCKED`` instead, a later unit of work could overtake rows the sweep held.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events import Envelope, EventLog, decode

log = logging.getLogger("deskpilot.outbox")


def outbox_table(metadata: MetaData) -> Table:
    existing = metadata.tables.get(f"{metadata.schema}.outbox" if metadata.schema else "outbox")
    if existing is not None:  # a second runtime on the same tables (tests, restarts in one process)
        return existing
    return Table(
        "outbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        # Emission order: events of one unit of work share created_at, and UUIDv7s made in the same millisecond
        # do not sort by creation, so the relay orders by this sequence.
        Column("seq", BigInteger, Identity(), nullable=False, unique=True),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )


class UnitOfWork:
    """A session plus the events to publish once it commits. Services call ``emit``; they never commit."""

    def __init__(self, session: AsyncSession, outbox: Table) -> None:
        self.session = session
        self._outbox = outbox
        self.pending: list[Envelope] = []

    def emit(self, event: Envelope) -> None:
        self.pending.append(event)

    async def flush_events(self) -> None:
        if self.pending:
            await self.session.execute(
                self._outbox.insert(), [{"event_id": e.id, "body": e.encode()} for e in self.pending]
            )


class OutboxRelay:
    """Moves committed outbox rows to the event log."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Table, event_log: EventLog) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._log = event_log
        # A stable 63-bit key for this outbox table (the same in every replica and Python process).
        name = f"{outbox.schema}.{outbox.name}".encode()
        self._local = asyncio.Lock()
        self._lock_key = int.from_bytes(hashlib.sha256(b"deskpilot-outbox:" + name).digest()[:8], "big") >> 1

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Open a transaction; on success write the outbox, commit, then publish. On error roll back everything."""
        async with self._sessions() as session, session.begin():
            uow = UnitOfWork(session, self._outbox)
            yield uow
            await uow.flush_events()
        if uow.pending:
            await self.publish_pending()

    async def publish_pending(self, limit: int = 500) -> int:
        """Publish every unsent row in creation order, ``limit`` at a time; callers in this process and in other
        replicas take turns."""
        sent = 0
        async with self._local:
            while True:
                batch = await self._publish_batch(limit)
                sent += batch
                if batch < limit:
                    return sent

    async def _publish_batch(self, limit: int) -> int:
        sent = 0
        async with self._sessions() as session, session.begin():
            await session.execute(select(func.pg_advisory_xact_lock(self._lock_key)))
            rows = (
                await session.execute(
                    select(self._outbox.c.event_id, self._outbox.c.body)
                    .where(self._outbox.c.published_at.is_(None))
                    .order_by(self._outbox.c.seq)
                    .limit(limit)
                )
            ).all()
            for event_id, body in rows:
                await self._log.publish(decode(body))
                await session.execute(
                    update(self._outbox)
                    .where(self._outbox.c.event_id == event_id)
                    .values(published_at=datetime.now(UTC))
                )
                sent += 1
        return sent

    async def run(self, interval: float = 2.0) -> None:
        """Sweep forever: catches rows left behind by a crash or a NATS outage."""
        while True:
            try:
                await self.publish_pending()
            except Exception:
                log.exception("outbox sweep failed; retrying in %.1fs", interval)
            await asyncio.sleep(interval)
