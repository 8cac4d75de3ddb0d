"""One replica at a time runs an ordered consumer: the one holding its PostgreSQL advisory lock (decision 0057).

Several replicas pulling from one durable would interleave a conversation's events; so each replica of a service
runs every ordered consumer under a :class:`ConsumerLease`: a session-level ``pg_try_advisory_lock`` on one
connection per process for all its leases (:class:`ConsumerLeases`; not the pool's: a session lock would outlive
the unit of work that took it). The replica that holds it consumes; the others, which serve HTTP all the same, ask
again every ``heartbeat_s``. The lock lives
as long as the holder's session: when the process dies, or its connection is closed or cut off, PostgreSQL
releases it and a standby takes it, then starts the consumer, whose start-up reset (decision 0054) hands it the
messages the dead holder left unacknowledged, in log order.

A holder must stop consuming before a successor starts: it asks its connection every ``heartbeat_s`` (at most
``heartbeat_s`` to answer) and cancels its consumers at the first failure; a standby that had to wait for the lock
waits ``grace_s`` more (longer than the holder takes to notice) before it starts. The lock session asks the server
for TCP keepalives of a few seconds, so the lock of a holder cut off by the network is not held for hours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

from libs.platform import metrics
from libs.platform.db import advisory_key, asyncpg_dsn

log = logging.getLogger("deskpilot.leases")

HEARTBEAT_S = 1.0
"""How often a holder checks its lock session and a standby asks for the lock."""
GRACE_S = 3.0
"""How long a standby that took over waits before consuming: longer than a holder's heartbeat plus its timeout."""
_KEEPALIVES = "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3"


def lock_key(service: str, durable: str) -> int:
    """The advisory lock of one ordered consumer: a signed 64-bit key from its service and durable name."""
    return advisory_key(f"deskpilot-consumer:{service}:{durable}")


class ConsumerLease:
    """Runs one ordered consumer while this replica holds its lock; waits for it otherwise."""

    def __init__(self, service: str, durable: str, key: int, grace_s: float) -> None:
        self.service, self.durable, self.key = service, durable, key
        self._grace_s = grace_s
        self.holding = False
        self.took_over = False
        """Whether another replica held the lock before this one took it (then the grace applies)."""
        self._changed = asyncio.Event()

    async def hold(self, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``run()`` while holding the lock, until it returns; stop it when the lock is lost, and wait again."""
        while True:
            await self.wait_holding(True)
            if self.took_over:  # the previous holder may still be noticing its session is gone
                await asyncio.sleep(self._grace_s)
            task = asyncio.create_task(run(), name=f"{self.durable}-leased")
            lost = asyncio.create_task(self.wait_holding(False))
            try:
                await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
                if task.done():
                    return task.result()  # the consumer stopped (or raised, raised here)
                log.warning("consumer %s: lost its lock; stopped here", self.durable)
            finally:  # waited for without raising its CancelledError: a cancel of this task itself goes through
                lost.cancel()
                task.cancel()
                await asyncio.wait({task})

    async def wait_holding(self, holding: bool = True) -> None:
        """Until this replica holds the lock (or, with ``False``, does not)."""
        while self.holding != holding:
            self._changed.clear()
            await self._changed.wait()

    def set_holding(self, holding: bool) -> None:
        if holding != self.holding:
            log.info("consumer %s: %s its lock", self.durable, "holds" if holding else "no longer holds")
        self.holding = holding
        metrics.CONSUMER_ACTIVE.labels(self.service, self.durable).set(1 if holding else 0)
        self._changed.set()


class ConsumerLeases:
    """The locks of one process's ordered consumers, on one PostgreSQL session: asked for, and the session checked,
    every ``heartbeat_s``; all lost at once when the session fails."""

    def __init__(
        self, database_url: str, service: str, *, heartbeat_s: float = HEARTBEAT_S, grace_s: float = GRACE_S
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self.service = service
        self._heartbeat_s, self._grace_s = heartbeat_s, grace_s
        self.leases: dict[str, ConsumerLease] = {}
        self.session_pid: int | None = None
        """The backend pid of the lock session (a test closes it with ``pg_terminate_backend``)."""

    def lease(self, durable: str) -> ConsumerLease:
        lease = ConsumerLease(self.service, durable, lock_key(self.service, durable), self._grace_s)
        self.leases[durable] = lease
        metrics.CONSUMER_ACTIVE.labels(self.service, durable).set(0)
        return lease

    async def run(self) -> None:
        """Forever: a session, on which the locks not held are asked for and the session is checked."""
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                await conn.execute(_KEEPALIVES, timeout=self._heartbeat_s)
                self.session_pid = await conn.fetchval("SELECT pg_backend_pid()", timeout=self._heartbeat_s)
                while True:
                    await self._ask(conn)
                    await asyncio.sleep(self._heartbeat_s)  # not synchronisation: the interval of asking again
            except Exception as exc:  # PostgreSQL away, the session closed or not answering in time
                log.warning("%s: lock session failed (%r); its consumers stop", self.service, exc)
                for lease in self.leases.values():
                    lease.took_over = True  # whoever takes them next may follow another replica
                await asyncio.sleep(self._heartbeat_s)
            finally:
                for lease in self.leases.values():
                    lease.set_holding(False)
                self.session_pid = None
                if conn is not None:
                    await _close(conn)

    async def _ask(self, conn: asyncpg.Connection) -> None:
        """One round trip: the locks not held asked for at once (which checks the session), or ``SELECT 1``."""
        wanted = {lease.key: lease for lease in self.leases.values() if not lease.holding}
        if not wanted:
            await conn.fetchval("SELECT 1", timeout=self._heartbeat_s)
            return
        taken = await conn.fetch(
            "SELECT k FROM unnest($1::bigint[]) AS k WHERE pg_try_advisory_lock(k)",
            list(wanted),
            timeout=self._heartbeat_s,
        )
        got = {row[0] for row in taken}
        for key, lease in wanted.items():
            if key in got:
                lease.set_holding(True)
            else:
                lease.took_over = True


async def _close(conn: asyncpg.Connection) -> None:
    """Close the lock session (releasing the lock), or cut it off if the server does not answer."""
    try:
        async with asyncio.timeout(2):  # not wait_for: in Python 3.11 it can swallow the cancel of a stopping task
            await conn.close()
    except Exception:
        conn.terminate()
