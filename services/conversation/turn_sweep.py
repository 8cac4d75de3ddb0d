"""The turn sweep: every accepted message ends in an outcome, whatever went wrong on the way.

The agent answers each ``message.received`` (a reply, or a handoff); crash recovery, in-progress acknowledgements
and the agent's own deadline for tools make that hold in every case we know of. This sweep does not depend on
knowing every cause: every few seconds it looks for conversations with the AI whose newest customer message has
had no outcome and no progress for ``stall_after`` seconds (15 by default), and reads their log:

* no outcome, nothing pending on someone else → append ``turn.stalled`` (the agent wakes on it and resumes the
  turn, or opens it if it never started), logging the conversation;
* it has been resumed once already (a ``turn.stalled`` since the message, whatever the agent did after it) and
  ``stall_after`` more seconds passed with no outcome → hand the conversation to a human (``handoff.requested``):
  the customer is not left waiting on a turn that does not move, and no turn is resumed more than once;
* a tool call or an approval still pending → nothing: the agent's turn deadline, or a person, ends those.

Both appends carry the log version the decision was made at, so a reply landing meanwhile voids them (two replicas
sweeping side by side cannot both act either). ``resumed`` and ``handed_over`` count what the sweep had to do.

Each sweep pages through every candidate (``page`` at a time, oldest first, by key), so a crowd of conversations it
cannot act on (waiting on a tool or a person) never hides a newer one behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from libs.events import SYSTEM, Envelope, EventLog, HandoffRequested, RecordedEvent, TurnStalled, VersionConflict
from libs.platform import metrics
from libs.platform.db import Database
from libs.platform.faults import is_transient
from services.conversation.repository import QuietConversation, TurnRepository

log = logging.getLogger("deskpilot.conversation")

OUTCOMES = frozenset({"agent.replied", "handoff.requested"})
LOOK_BACK = timedelta(days=1)  # conversations quiet for longer were looked at long ago
PAGE = 200  # candidates read per query; a sweep reads as many pages as there are


@dataclass(frozen=True)
class Resume:
    message: Envelope
    waited_s: float


@dataclass(frozen=True)
class HandOver:
    message: Envelope
    waited_s: float
    turn_id: str


def _pending(events: Sequence[Envelope]) -> bool:
    """A tool call not answered yet, or an approval not decided yet: someone else's to end."""
    kinds = Counter(e.type for e in events)
    tools = kinds["tool.requested"] > kinds["tool.completed"] + kinds["tool.failed"]
    return tools or kinds["tool.approval_requested"] > kinds["tool.approval_decided"]


def stall_decision(
    since_message: Sequence[Envelope], now: datetime, stall_after: timedelta
) -> Resume | HandOver | None:
    """What to do about the newest customer message, given it and every event after it (pure: no I/O)."""
    if not since_message or since_message[0].type != "message.received":
        return None
    message, after = since_message[0], since_message[1:]
    if any(e.type in OUTCOMES or e.type == "message.received" for e in after) or _pending(after):
        return None
    last = since_message[-1]
    if now - last.occurred_at < stall_after:
        return None
    waited = (now - message.occurred_at).total_seconds()
    if any(e.type == "turn.stalled" for e in after):  # resumed once already: a second chance is not given
        turns = [e for e in after if e.type == "agent.turn_started"]
        turn_id = str(getattr(turns[-1].payload, "turn_id", "")) if turns else f"stalled-{message.id}"
        return HandOver(message, waited, turn_id)
    return Resume(message, waited)


class TurnSweep:
    def __init__(
        self,
        db: Database,
        event_log: EventLog,
        stall_after: float = 15.0,
        *,
        tenant_id: str | None = None,
        page: int = PAGE,
    ) -> None:
        self._db = db
        self._page = page
        self._tenant_id = tenant_id  # one tenant only (a test's); every tenant when None
        self._log = event_log
        self.stall_after = timedelta(seconds=stall_after)
        self.resumed = 0  # turn.stalled appended: turns the sweep had to rescue
        self.handed_over = 0  # rescued in vain: handed to a human

    async def sweep_once(self) -> int:
        """Look at every quiet conversation once; returns how many needed the sweep."""
        now = datetime.now(UTC)
        acted, after = 0, None
        while True:
            async with self._db.reader() as session:
                quiet = await TurnRepository(session).quiet_with_a_customer_last(
                    now - self.stall_after, now - LOOK_BACK, self._page, tenant_id=self._tenant_id, after=after
                )
            for conversation in quiet:
                acted += await self._look_at(conversation, now)
            if len(quiet) < self._page:
                return acted
            after = quiet[-1].key

    async def _look_at(self, c: QuietConversation, now: datetime) -> int:
        recorded = await self._log.read(c.tenant_id, c.conversation_id, from_version=c.message_position - 1)
        decision = stall_decision([r.event for r in recorded], now, self.stall_after)
        if decision is None:
            return 0
        version = recorded[-1].position
        try:
            if isinstance(decision, Resume):
                await self._append(
                    c,
                    TurnStalled(message_event_id=decision.message.id, waited_seconds=int(decision.waited_s)),
                    decision.message,
                    version,
                )
                self.resumed += 1
                metrics.TURN_SWEEP.labels("resumed").inc()
                log.warning(
                    "turn sweep: message %s in conversation %s unanswered after %.0f s; asking the agent to resume",
                    decision.message.id,
                    c.conversation_id,
                    decision.waited_s,
                )
            else:
                handoff = HandoffRequested(
                    turn_id=decision.turn_id,
                    reason="the assistant did not answer in time",
                    summary="The customer's last message got no answer from the assistant; please take over.",
                    priority="high",
                )
                await self._append(c, handoff, decision.message, version)
                self.handed_over += 1
                metrics.TURN_SWEEP.labels("handed_over").inc()
                log.warning(
                    "turn sweep: message %s in conversation %s still unanswered after %.0f s; handed to a human",
                    decision.message.id,
                    c.conversation_id,
                    decision.waited_s,
                )
        except VersionConflict:  # something landed meanwhile (a reply?): the next sweep looks again
            return 0
        return 1

    async def _append(
        self, c: QuietConversation, payload: TurnStalled | HandoffRequested, cause: Envelope, version: int
    ) -> RecordedEvent:
        event = Envelope.new(
            payload, tenant_id=c.tenant_id, conversation_id=c.conversation_id, actor=SYSTEM, caused_by=cause
        )
        position = await self._log.append_one(c.tenant_id, c.conversation_id, event, version)
        return RecordedEvent(position, event)

    async def run(self, interval: float = 5.0) -> None:
        away = False  # the infrastructure: said once per outage
        while True:
            try:
                await self.sweep_once()
                away = False
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("turn sweep failed; retrying in %.1fs", interval)
                elif not away:
                    away = True
                    log.warning("turn sweep: infrastructure unavailable (%s); retrying every %.1fs", exc, interval)
            await asyncio.sleep(interval)
