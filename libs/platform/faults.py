"""Transient or not: the one place that decides whether a failure is the infrastructure's or the message's.

An infrastructure failure (PostgreSQL restarting or unreachable, a pool that cannot connect, JetStream without a
leader, NATS reconnecting, a request that timed out) says nothing about the message being handled: it is retried for
as long as it takes, and never sends the message to dead letters. Anything else that fails the same way again and
again is the message's (or the handler's) and is parked after a few attempts.

:class:`Outage` is a process's shared view of an ongoing infrastructure failure: consumers stop taking new messages
while it lasts, readiness reports it, and it is logged once when it starts and once when it ends, with a count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
import nats.errors
import nats.js.errors
import sqlalchemy.exc

log = logging.getLogger("deskpilot.faults")

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    sqlalchemy.exc.TimeoutError,  # the pool could not hand out a connection in time
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.OperationalError,
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.NoServersError,
    nats.errors.StaleConnectionError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)
# Where a plain OSError means the server is away: PostgreSQL's unix socket is gone while it restarts
# (FileNotFoundError), a TCP connect is refused or reset. Elsewhere an OSError may be a bug, so the traceback decides.
_CONNECTING_MODULES = ("asyncpg", "nats")
# JetStream answers 503 while a stream or the meta group has no leader, or the cluster cannot reach quorum.
_UNAVAILABLE_CODES = {503}


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is an infrastructure failure that retrying will outlast."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSIENT_TYPES):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, nats.js.errors.APIError) and current.code in _UNAVAILABLE_CODES:
            return True
        if isinstance(current, OSError) and _raised_connecting(current):
            return True
        # A session whose connection broke mid-transaction refuses to go on until rolled back: the break was the cause.
        if isinstance(current, sqlalchemy.exc.PendingRollbackError) and "reconnect" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _raised_connecting(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.split(".")[0] in _CONNECTING_MODULES:
            return True
        tb = tb.tb_next
    return False


class Outage:
    """The process's infrastructure outage, if one is going on."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._reason = ""
        self._failures = 0
        self._over = asyncio.Event()
        self._over.set()

    @property
    def active(self) -> bool:
        return self._since is not None

    @property
    def reason(self) -> str:
        return self._reason

    def failed(self, where: str, exc: BaseException) -> None:
        """An infrastructure failure was seen; the first one of an outage is logged."""
        self._failures += 1
        if self._since is None:
            self._since = time.monotonic()
            self._reason = f"{where}: {type(exc).__name__}: {exc}"[:300]
            self._over.clear()
            log.warning("infrastructure unavailable (%s); retrying until it is back", self._reason)

    def recovered(self) -> None:
        if self._since is None:
            return
        log.warning(
            "infrastructure back after %.1f s (%d failed attempts while it was away)",
            time.monotonic() - self._since,
            self._failures,
        )
        self._since, self._reason, self._failures = None, "", 0
        self._over.set()

    async def ride_out(self, infrastructure_up: Callable[[], Awaitable[bool]], every_s: float = 0.5) -> None:
        """Until the outage is over: a handler that succeeds ends it, or ``infrastructure_up()`` finds everything
        back (the handler that saw the failure may have been stopped meanwhile, e.g. its consumer's lease lost, and
        then nothing else would end it: the process would stay not ready and take nothing new, for good)."""
        while self.active:
            if await infrastructure_up():
                self.recovered()
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every_s):  # not wait_for, which can swallow a cancel (Python 3.11)
                    await self._over.wait()
