"""The deciders' write path: a decision's events appended to one conversation with the version it was made at.

Two ways write to the log, and each unit of work uses exactly one of them:

* **``ConversationLog.append_decision``** — a *decider* (the agent; the conversation service opening a conversation)
  appends what it decided from the log at version ``v``. Each event goes out with the conversation's last position
  as its expected version, one at a time. When someone else appended meanwhile, the writes in between are read:
  if none of them is *relevant* to the decision (a cost record, a usage figure, a ticket), the append simply
  continues after them at once; if one is (a new message, a tool result, a turn someone else opened), the rest of
  the decision is void and the caller decides again from the new state. Whatever landed is a fact on its own, and
  a decision's events never land twice: a retry of an event that is already stored returns its position.
  Not as one JetStream atomic batch (``allow_atomic``, nats-server 2.12+), though that would make a decision all or
  nothing: measured on nats-server 2.15.1 (2026-12-07), a batch of two events cost the server 2.0 CPU-ms and 2.9 ms
  round trip, two expected-version appends 0.30-0.35 CPU-ms and 0.77 ms; a turn's reply came 4 ms later.
* **``Outbox.emit``** (``libs.platform.outbox``) — services that react to events (tool results, tickets, billing)
  commit their state and the events it causes together, and the relay publishes them after the commit.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from libs.events.envelope import Envelope, RecordedEvent
from libs.events.log import ConversationEvents, VersionConflict

MAX_CONFLICTS = 50


@dataclass(frozen=True)
class Appended:
    """What became of a decision: its events that landed, the writes of others it stepped over, and, if it was
    voided, the relevant writes of others that voided it."""

    landed: list[RecordedEvent]
    stepped_over: list[RecordedEvent] = field(default_factory=list)
    voided_by: list[RecordedEvent] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.voided_by

    def in_order(self) -> list[RecordedEvent]:
        """Everything appended to the conversation since the decision's version, when it is complete."""
        return sorted([*self.landed, *self.stepped_over], key=lambda r: r.position)

    def has(self, event_id: str) -> bool:
        return any(r.event.id == event_id for r in self.landed)


class ConversationLog:
    """Expected-version appends of decisions (see the module docstring)."""

    def __init__(self, log: ConversationEvents) -> None:
        self._log = log

    @property
    def log(self) -> ConversationEvents:
        return self._log

    async def append_decision(
        self,
        tenant_id: str,
        conversation_id: str,
        events: Sequence[Envelope],
        expected: int,
        relevant: Container[str],
    ) -> Appended:
        """Append ``events`` in order to a conversation last seen at position ``expected``."""
        ours = {e.id for e in events}
        landed: list[RecordedEvent] = []
        stepped_over: list[RecordedEvent] = []
        i = conflicts = 0
        while i < len(events):
            event = events[i]
            try:
                position = await self._log.append_one(tenant_id, conversation_id, event, expected)
            except VersionConflict:
                conflicts += 1
                if conflicts > MAX_CONFLICTS:  # a writer storm: let the caller decide again from a fresh read
                    raise
                # The conflict proves something lies after ``expected``: read at least one position past it.
                newer = await self._log.read(tenant_id, conversation_id, from_version=expected, through=expected + 1)
                others = [r for r in newer if r.event.id not in ours]
                voiding = [r for r in others if r.event.type in relevant]
                if voiding:
                    return Appended(landed, stepped_over, voiding)
                stepped_over.extend(others)
                expected = newer[-1].position if newer else expected
                continue
            landed.append(RecordedEvent(position, event))
            expected = max(expected, position)
            i += 1
        return Appended(landed, stepped_over)
