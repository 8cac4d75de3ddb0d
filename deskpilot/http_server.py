"""The HTTP server every process runs: uvicorn, waking once a second when idle instead of ten times, with what
start-up made kept out of the garbage collector's full passes.

uvicorn's main loop sleeps 0.1 s between checks of ``should_exit`` (and refreshes the ``Date`` header every tenth
check): ten wake-ups a second in each of the platform's processes, doing nothing. Here the loop waits one second,
or until ``should_exit`` is set (by a signal or by the supervisor), so stopping is as quick as before.

Once started, the objects start-up made (modules, models, compiled statements, pools: most of the heap, and they
live as long as the process) are frozen (``gc.freeze``): a full collection no longer walks them. Measured with gc
callbacks during turn_e2e.py: a full collection of the conversation service under load paused it 189 ms, in the
middle of turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc

import uvicorn

TICK_S = 1.0  # uvicorn's on_tick refreshes the Date header every tenth tick: each tick here is a tenth


class Server(uvicorn.Server):
    _exit = False
    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def should_exit(self) -> bool:
        return self._exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._exit = value
        if value and self._wake is not None and self._loop is not None:
            # From a signal handler or another task: wake the main loop's wait (thread-safe, like any signal).
            self._loop.call_soon_threadsafe(self._wake.set)

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        gc.collect()  # started (the lifespan has run): what is left lives as long as the process
        gc.freeze()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)
            should_exit = await self.on_tick(counter)
