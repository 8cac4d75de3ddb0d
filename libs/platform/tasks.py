"""Stopping a process's background tasks, for good and in bounded time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
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
