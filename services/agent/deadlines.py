"""The wall clock of turns that wait for tools: a durable deadline, and a sweep that wakes the agent at it.

Most tools answer within milliseconds, so the hot path writes nothing: a turn is given a deadline row only if it is
still waiting for a tool after a short grace period. The sweep finds rows past their deadline and wakes the agent on
that conversation, whose ``decide`` then ends the turn with the ``turn_seconds`` limit (or, if the tool answered in
the meantime, finds nothing to do). The agent knows nothing of this module: the composition root (``app.py``) tells
it what each ``advance`` left behind and gives it the function that wakes a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.platform.faults import is_transient
from services.agent.policy import AgentPolicy
from services.agent.repository import TurnRepository
from services.agent.state import ConversationState

log = logging.getLogger("deskpilot.agent")

Key = tuple[str, str]
Wake = Callable[[str, str], Awaitable[ConversationState]]


def waiting_turn(state: ConversationState) -> str | None:
    """The id of the conversation's turn if it is waiting for a tool."""
    return state.turn.turn_id if state.turn is not None and state.turn.pending else None


class TurnDeadlines:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], grace: float = 2.0) -> None:
        self._sessions = sessions
        self._grace = grace
        self._waiting: dict[Key, str] = {}  # turns waiting for tools, as this process last saw them
        self._recorded: dict[Key, str] = {}  # ... of which a deadline row was written
        self._background: set[asyncio.Task[None]] = set()
        self._opened = asyncio.Event()  # a deadline row was written here: the sweep looks at when it is due

    async def track(self, state: ConversationState, policy: AgentPolicy) -> None:
        """Keep the deadline in step with what an ``advance`` left: a turn waiting for tools has one, others none."""
        key = (state.tenant_id, state.conversation_id)
        turn_id = waiting_turn(state)
        if turn_id is not None and state.turn is not None:
            if self._waiting.get(key) != turn_id:
                self._waiting[key] = turn_id
                left = policy.limits.turn_seconds - (datetime.now(UTC) - state.turn.started_at).total_seconds()
                asyncio.get_running_loop().call_later(self._grace, self._record_if_still_waiting, key, turn_id, left)
            return
        self._waiting.pop(key, None)
        if self._recorded.pop(key, None) is not None or (state.turn is None and state.owner != "ai"):
            await self._close(key)

    def _record_if_still_waiting(self, key: Key, turn_id: str, seconds_left: float) -> None:
        if self._waiting.get(key) != turn_id:
            return
        self._recorded[key] = turn_id
        deadline = datetime.now(UTC) + timedelta(seconds=max(0.0, seconds_left - self._grace))
        task = asyncio.create_task(self._open(key, turn_id, deadline))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _open(self, key: Key, turn_id: str, deadline: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await TurnRepository(session).opened(*key, turn_id, deadline)
        self._opened.set()

    async def _close(self, key: Key) -> None:
        async with self._sessions() as session, session.begin():
            await TurnRepository(session).closed(*key)

    async def sweep_once(self, wake: Wake) -> int:
        """Wake every conversation whose turn is past its deadline; returns how many were due."""
        async with self._sessions() as session:
            due = await TurnRepository(session).due(datetime.now(UTC))
        for key in due:
            state = await wake(*key)
            if waiting_turn(state) is None:  # ended, or never this process's to know of: the row goes
                self._waiting.pop(key, None)
                self._recorded.pop(key, None)
                await self._close(key)
        return len(due)

    async def _seconds_to_next(self, interval: float, longest: float) -> float:
        async with self._sessions() as session:
            deadline = await TurnRepository(session).next_deadline()
        if deadline is None:
            return longest
        left = (deadline - datetime.now(UTC)).total_seconds()
        # Past already: a turn the sweep just woke and that still waits; looked at again in ``interval``, as before.
        return interval if left <= 0 else min(longest, left + 0.01)

    async def sweep_forever(self, wake: Wake, interval: float = 2.0, longest: float = 10.0) -> None:
        """Sweep when the next deadline is due, or when this process wrote one, and at least every ``longest``
        seconds (a deadline another replica wrote); every ``interval`` while the sweep fails. Idle, the agent
        does not ask its database every 2 s."""
        away = False  # the infrastructure: said once per outage, not every interval
        while True:
            wait = interval
            try:
                self._opened.clear()
                await self.sweep_once(wake)
                wait = await self._seconds_to_next(interval, longest)
                away = False
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("turn sweep failed; retrying in %.1fs", interval)
                elif not away:
                    away = True
                    log.warning("turn sweep: infrastructure unavailable (%s); retrying every %.1fs", exc, interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._opened.wait(), wait)
