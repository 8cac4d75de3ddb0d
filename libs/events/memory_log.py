"""An event log kept in memory, with the semantics of :class:`~libs.events.log.EventLog`.

For sandboxes — a replay of a recorded conversation against a candidate agent, a simulation suite's task — whose
events must never reach the shared log (no consumer can see them: no ledger line, no ticket, no tool execution) and
need not outlive the run that made them; what a run wants to keep (its action diff, its report) is stored by the
service that ran it. It implements :class:`~libs.events.log.ConversationEvents`, so the agent's loop and
:class:`~libs.events.conversation_log.ConversationLog` run on it unchanged: positions are one sequence over the whole
log, ``expected`` is checked against the conversation's last position, and an event id already stored is returned at
its original position instead of being stored twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from libs.events.envelope import Envelope, RecordedEvent
from libs.events.log import VersionConflict


class MemoryEventLog:
    """One sandbox's conversations, in memory (see the module docstring)."""

    def __init__(self) -> None:
        self._position = 0
        self._conversations: dict[tuple[str, str], list[RecordedEvent]] = {}
        self._stored: dict[str, RecordedEvent] = {}

    async def append_one(self, tenant_id: str, conversation_id: str, event: Envelope, expected: int | None) -> int:
        if event.tenant_id != tenant_id or event.conversation_id != conversation_id:
            raise ValueError(f"event {event.id} does not belong to conversation {conversation_id}")
        stored = self._stored.get(event.id)
        if stored is not None:
            return stored.position
        events = self._conversations.setdefault((tenant_id, conversation_id), [])
        last = events[-1].position if events else 0
        if expected is not None and expected != last:
            raise VersionConflict(tenant_id, conversation_id, expected)
        self._position += 1
        recorded = RecordedEvent(self._position, event)
        events.append(recorded)
        self._stored[event.id] = recorded
        return recorded.position

    async def append(
        self, tenant_id: str, conversation_id: str, events: Sequence[Envelope], expected_version: int | None
    ) -> list[int]:
        positions: list[int] = []
        expected = expected_version
        for event in events:
            position = await self.append_one(tenant_id, conversation_id, event, expected)
            positions.append(position)
            if expected is not None:
                expected = position
        return positions

    async def read(
        self,
        tenant_id: str,
        conversation_id: str,
        from_version: int = 0,
        *,
        through: int = 0,  # noqa: ARG002 - the protocol's; in memory every write is read at once
    ) -> list[RecordedEvent]:
        """Every event of the conversation after ``from_version``."""
        return self.events(tenant_id, conversation_id, from_version)

    def events(self, tenant_id: str, conversation_id: str, from_version: int = 0) -> list[RecordedEvent]:
        """The same as :meth:`read`, for callers that are not coroutines (a sandbox inspecting what happened)."""
        return [r for r in self._conversations.get((tenant_id, conversation_id), []) if r.position > from_version]
