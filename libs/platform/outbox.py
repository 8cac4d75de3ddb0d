"""The transactional outbox: a service's state change and the events it causes commit together.

Events collected in a :class:`UnitOfWork` are written to the service's ``outbox`` table in the same transaction as
its state. After the commit the unit of work appends its own events to the event log at once, in emission order
(idempotent on the event id), before it returns — so when a unit of work returns, its events are on the log
(unless NATS failed meanwhile: then they are safe in the outbox and the sweep sends them when it is back). The
rows are marked sent in batches a moment later (one statement for the units of work of half a second: marking each
as it goes cost a transaction per unit of work, and at 0.1 s a service at a few turns a second still marked almost
every unit of work's rows in a transaction of their own). On rollback the events are dropped with the transaction.

A crash between commit and publish, or a NATS outage, leaves rows unsent: the sweep (at start-up, at once when a
unit of work could not publish, then every 2 s until it has sent them, and every 30 s otherwise, for rows another
replica left behind when it died) publishes rows older than a few seconds, one publisher at a time per outbox (a
transaction-scoped advisory lock across replicas), in ``seq`` order. A row the fast path is still publishing may
also be taken by the sweep; JetStream drops the second copy by its event id. A row older than JetStream's duplicate
window is only published if the log does not have its event already, so a crash that kept a service down longer than
the window never logs an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Identity,
    LargeBinary,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from libs.events import Envelope, EventLog, decode
from libs.events.sealing import Sealer
from libs.events.streams import DUPLICATE_WINDOW
from libs.platform.faults import is_transient

log = logging.getLogger("deskpilot.outbox")
# Seconds between marking published rows (a transaction each): far below the sweep's age (5 s), and short enough
# that the rows published and not yet marked stay well under the backlog alert (100) at 100 turns/s.
MARK_EVERY = 0.5


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


def _among(outbox: Table, ids: list[str]) -> ColumnElement[bool]:
    """``event_id = ANY(:ids)``: one statement, prepared once per connection, whatever the number of ids (an IN
    list is another statement, parsed and prepared again, for every length)."""
    return outbox.c.event_id == any_(bindparam("ids", ids, type_=ARRAY(String)))


class UnitOfWork:
    """A session plus the events to publish once it commits. Services call ``emit``; they never commit."""

    def __init__(self, session: AsyncSession, outbox: Table, sealer: Sealer) -> None:
        self.session = session
        self._outbox = outbox
        self._sealer = sealer
        self.pending: list[Envelope] = []
        self.sealed: list[Envelope] = []

    def emit(self, event: Envelope) -> None:
        self.pending.append(event)

    async def flush_events(self) -> None:
        """Write the emitted events to the outbox, their personal fields sealed: the table never holds them clear."""
        if self.pending:
            self.sealed = [await self._sealer.seal(e) for e in self.pending]
            await self.session.execute(
                self._outbox.insert(), [{"event_id": e.id, "body": e.encode()} for e in self.sealed]
            )


class OutboxRelay:
    """Moves committed outbox rows to the event log."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        event_log: EventLog,
        *,
        sweep_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._log = event_log
        self._sweep_after = sweep_after
        # A stable 63-bit key for this outbox table (the same in every replica and Python process).
        name = f"{outbox.schema}.{outbox.name}".encode()
        self._local = asyncio.Lock()
        self._lock_key = int.from_bytes(hashlib.sha256(b"deskpilot-outbox:" + name).digest()[:8], "big") >> 1
        self._sent: list[str] = []  # published by units of work, not yet marked
        self._marking: asyncio.Task[None] | None = None
        # Set when a unit of work could not publish: until the sweep has sent what is left, units of work go
        # through the ordered path, so that newer events do not overtake stranded ones.
        self._stranded = False
        self._strand = asyncio.Event()  # wakes the sweep when a unit of work could not publish

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Open a transaction; on success write the outbox, commit, then publish. On error roll back everything."""
        async with self._sessions() as session, session.begin():
            uow = UnitOfWork(session, self._outbox, self._log.sealer)
            yield uow
            await uow.flush_events()
        if not uow.pending:
            return
        if self._stranded:
            await self.publish_pending()
            return
        try:
            for event in uow.sealed:
                await self._log.publish(event)
                self._sent.append(event.id)
        except Exception as exc:
            # Committed: the events are safe in the outbox, and the sweep sends them, in order, once NATS is back.
            self._stranded = True
            self._strand.set()
            log.warning("outbox: publishing after commit failed (%r); the sweep will send the rest", exc)
            return
        if self._marking is None:
            self._marking = asyncio.create_task(self._mark_sent())

    async def _mark_sent(self) -> None:
        """Mark what units of work published, many at a time: wait ``MARK_EVERY`` so that the units of work of that
        moment join in (at 100 turns/s, one statement for fifty; the sweep only takes rows seconds old)."""
        try:
            await asyncio.sleep(MARK_EVERY)
            while self._sent:
                ids, self._sent = self._sent, []
                try:
                    await self._mark(ids)
                except Exception:
                    # Unmarked rows are published again by the sweep; the log keeps one copy of each.
                    log.warning("outbox: could not mark %d published rows; the sweep will see to them", len(ids))
        finally:
            self._marking = None

    async def _mark(self, ids: list[str]) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(self._outbox).where(_among(self._outbox, ids)).values(published_at=datetime.now(UTC))
            )

    async def publish_pending(self, limit: int = 500, older_than: timedelta | None = None) -> int:
        """Publish every unsent row (older than ``older_than``) in creation order, ``limit`` at a time; sweeps in
        this process and in other replicas take turns."""
        sent = 0
        async with self._local:
            while True:
                batch = await self._publish_batch(limit, older_than)
                sent += batch
                if batch < limit:
                    if older_than is None:
                        self._stranded = False
                    return sent

    async def _publish_batch(self, limit: int, older_than: timedelta | None) -> int:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            await session.execute(select(func.pg_advisory_xact_lock(self._lock_key)))
            query = select(self._outbox.c.event_id, self._outbox.c.body, self._outbox.c.created_at).where(
                self._outbox.c.published_at.is_(None)
            )
            if older_than is not None:
                query = query.where(self._outbox.c.created_at < now - older_than)
            rows = (await session.execute(query.order_by(self._outbox.c.seq).limit(limit))).all()
            for _, body, created_at in rows:
                event = decode(body)
                # Past the duplicate window JetStream would store a second copy: ask the log first.
                if now - created_at < DUPLICATE_WINDOW - timedelta(minutes=1) or not await self._log.contains(event):
                    await self._log.publish(event)
            if rows:
                await session.execute(
                    update(self._outbox).where(_among(self._outbox, [r[0] for r in rows])).values(published_at=now)
                )
        return len(rows)

    async def backlog(self) -> int:
        """Rows committed and not yet marked published."""
        async with self._sessions() as session:
            query = select(func.count()).select_from(self._outbox).where(self._outbox.c.published_at.is_(None))
            return int((await session.execute(query)).scalar_one())

    async def run(self, interval: float = 2.0, idle_interval: float = 30.0) -> None:
        """Sweep forever: catches rows left behind by a crash or a NATS outage (at start-up, all of them). While rows
        are stranded here, every ``interval``; otherwise every ``idle_interval`` (rows a dead replica left), or at
        once when a unit of work could not publish: an idle service does not ask its database every 2 s."""
        older_than: timedelta | None = None
        away = False  # the infrastructure: said once per outage, not every interval
        while True:
            try:
                self._strand.clear()
                await self.publish_pending(older_than=None if self._stranded else older_than)
                older_than = self._sweep_after
                away = False
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox sweep failed; retrying in %.1fs", interval)
                elif not away:
                    away = True
                    log.warning("outbox sweep: infrastructure unavailable (%s); retrying every %.1fs", exc, interval)
            if self._stranded or away:
                await asyncio.sleep(interval)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._strand.wait(), idle_interval)
