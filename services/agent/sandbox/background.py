"""Replays and simulations run as tasks of the agent process that accepted them: a few at a time (they share the
process with live traffic), each recording its progress in the database as it goes, so any replica can report it.

Like knowledge crawls, a run stopped with the service is marked failed; one killed with it stays ``running`` (there
is no lease or resume yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("deskpilot.agent.sandbox")

Stopped = Callable[[str], Awaitable[None]]


class Background:
    """At most ``running`` runs at a time in this process; the rest wait their turn (status ``queued``)."""

    def __init__(self, running: int = 2) -> None:
        self._gate = asyncio.Semaphore(running)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, run_id: str, run: Callable[[], Awaitable[None]], stopped: Stopped) -> None:
        """Run ``run()`` when a slot is free; ``stopped(reason)`` records it as failed if the service stops first."""

        async def guarded() -> None:
            try:
                async with self._gate:
                    await run()
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await stopped("the agent service stopped before the run finished")
                raise
            except Exception as exc:
                log.exception("run %s failed", run_id)
                with contextlib.suppress(Exception):
                    await stopped(f"{type(exc).__name__}: {exc}"[:1000])

        task = asyncio.create_task(guarded(), name=f"agent-run-{run_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Until every run started so far has finished (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
