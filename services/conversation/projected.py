"""Customer messages projected by the request that accepted them, so that the projection consumer skips them."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

WAIT_S = 2.0
"""How long the consumer waits for a request's transaction to end before projecting the message itself."""


class ProjectedInRequest:
    """Whether the request that accepted a message (``service.receive_message``) projected it and committed.

    The consumer of the same process skips such a message: projecting it again would change nothing (its transcript
    line is keyed by position, and the conversation's position has moved to it or past it), so a message costs one
    transaction of the projection instead of two. The request's own transaction decides: committed, the message is
    projected; rolled back, projected by nobody, or only its transcript line (the view was behind the log), the
    consumer projects it as before. Whatever this process does not know (another replica's message, one accepted
    before a restart, one forgotten past ``capacity``, one whose request takes longer than ``WAIT_S``) is projected
    by the consumer as before.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._outcomes: OrderedDict[str, asyncio.Future[bool]] = OrderedDict()

    def watch(self, session: AsyncSession, event_id: str) -> None:
        """``session``'s transaction (no savepoint: a savepoint's release is a commit to SQLAlchemy's events)
        appends ``event_id`` and projects it; its commit or rollback says whether it did. Called before the append:
        the consumer may be handed the event before the append returns."""
        outcome: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._outcomes[event_id] = outcome
        self._outcomes.move_to_end(event_id)
        while len(self._outcomes) > self._capacity:
            self._outcomes.popitem(last=False)
        # The future itself, not looked up by id when the transaction ends: the consumer may be waiting on it.
        sync = session.sync_session
        event.listen(sync, "after_commit", lambda _: _settle(outcome, projected=True), once=True)
        event.listen(sync, "after_rollback", lambda _: _settle(outcome, projected=False), once=True)

    def settle(self, event_id: str, *, projected: bool) -> None:
        """The request's projection of ``event_id`` ended before its transaction did (``projected=False``: failed)."""
        outcome = self._outcomes.get(event_id)
        if outcome is not None:
            _settle(outcome, projected=projected)

    async def projected(self, event_id: str) -> bool:
        """Whether the request that accepted ``event_id`` projected it (False for any event it does not know)."""
        outcome = self._outcomes.pop(event_id, None)
        if outcome is None:
            return False
        try:
            return await asyncio.wait_for(asyncio.shield(outcome), WAIT_S)
        except TimeoutError:
            return False


def _settle(outcome: asyncio.Future[bool], *, projected: bool) -> None:
    if not outcome.done():
        outcome.set_result(projected)


_OF_RUNTIME: WeakKeyDictionary[object, ProjectedInRequest] = WeakKeyDictionary()


def projected_in_requests(runtime: object) -> ProjectedInRequest:
    """The one of a service's runtime, shared by its requests and its projection consumer (a runtime each: services
    run side by side in one test process)."""
    found = _OF_RUNTIME.get(runtime)
    if found is None:
        found = _OF_RUNTIME[runtime] = ProjectedInRequest()
    return found
