"""A process's background tasks: stopping them, for good and in bounded time; retrying what must be done first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

log = logging.getLogger("deskpilot.tasks")


async def stop_tasks(tasks: Collection[asyncio.Task[Any]], within_s: float = 10.0) -> None:
    """Cancel ``tasks`` and wait until they have ended. A cancel can be lost: Python 3.11's ``asyncio.wait_for``
    (nats-py's requests use it) returns a result that lands in the same loop turn as the cancel, and a loop around
    it carries on. So the cancel is repeated until every task has ended, for at most ``within_s``; a task still
    running then is logged with where it is and left behind. A task that had failed is logged, not raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    pending = {task for task in tasks if not task.done()}
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
    for task in pending:
        log.error("task %s did not stop within %.0f s; left behind at %s", task.get_name(), within_s, task.get_stack())
    for task in tasks:
        if task.done() and not task.cancelled() and (failed := task.exception()) is not None:
            log.error("task %s had failed: %r", task.get_name(), failed)


async def until_done(work: Callable[[], Awaitable[None]], what: str, max_delay_s: float = 5.0) -> None:
    """Run ``work`` until it succeeds, each failure logged and waited after (0.5 s, 1 s, 2 s, … up to
    ``max_delay_s``): for what must be done before anything else may go on (PostgreSQL away: until it is back)."""
    attempt = 0
    while True:
        try:
            await work()
            return
        except Exception as exc:
            attempt += 1
            log.warning("%s failed (%r); trying again", what, exc)
            await asyncio.sleep(min(max_delay_s, 0.5 * 2 ** (attempt - 1)))
