"""The conversation views rebuilt from the log (``deskpilot projections rebuild conversation``).

Every conversation event, in log order and opened, goes through the live consumer's own ``service.project_batch``
into :class:`MemoryViews` (a ``ProjectionStore`` in memory); the result is compared with the live
``conversations`` and ``transcript_entries`` tables row by row, and without ``--check`` written over them
(:func:`repair_views`). ``event_count`` is left out of the comparison: the HTTP path used to project a customer's
message at once even when the consumer was behind, which did not count the older events it projected after it, so
the count of a row projected before then may trail a rebuild's without anything else being wrong with the view (a row
the repair inserts gets the rebuild's count). Now a request projects a message's position only when the view had
caught up with the log (``service.receive_message``), and the counts agree.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import datetime

from libs.events import EventLog
from libs.events.personal import ERASED
from libs.platform.projection_repair import TableRows, table_checks
from libs.platform.projections import ProjectionCheck, Row
from services.conversation.models import conversations, transcript_entries
from services.conversation.repository import Advance, ConversationRow, TranscriptEntry, ViewRepository
from services.conversation.service import project_batch

SERVICE = "conversation"
BATCH = 256
CONVERSATION_COLUMNS = ("channel", "customer_id", "status", "last_position", "created_at", "updated_at")
CONVERSATION_KEY = ("tenant_id", "conversation_id")
TRANSCRIPT_KEY = ("tenant_id", "conversation_id", "position")


class MemoryViews:
    """The read model in memory, with the repository's semantics (inserts that exist already are kept)."""

    def __init__(self) -> None:
        self.conversations: dict[tuple[str, str], ConversationRow] = {}
        self.transcripts: dict[tuple[str, str, int], TranscriptEntry] = {}

    async def get(self, tenant_id: str, conversation_id: str, *, for_update: bool = False) -> ConversationRow | None:  # noqa: ARG002
        return self.conversations.get((tenant_id, conversation_id))

    async def create(
        self, tenant_id: str, conversation_id: str, channel: str, customer_id: str | None, at: datetime
    ) -> None:
        row = ConversationRow(tenant_id, conversation_id, channel, customer_id, "open", 0, 0, at, at)
        self.conversations.setdefault((tenant_id, conversation_id), row)

    async def apply(
        self, tenant_id: str, conversation_id: str, advance: Advance, entries: Sequence[TranscriptEntry]
    ) -> bool:
        row = self.conversations.get((tenant_id, conversation_id))
        if row is None or row.last_position >= advance.first:
            return False
        await self.add_late_entries(tenant_id, conversation_id, entries)
        self.conversations[(tenant_id, conversation_id)] = dataclasses.replace(
            row,
            last_position=advance.last,
            status=advance.statuses.get(row.status, row.status),
            updated_at=advance.at,
            event_count=row.event_count + advance.events,
        )
        return True

    async def add_late_entries(self, tenant_id: str, conversation_id: str, entries: Sequence[TranscriptEntry]) -> None:
        if (tenant_id, conversation_id) not in self.conversations:
            return
        for e in entries:
            self.transcripts.setdefault((tenant_id, conversation_id, e.position), e)


async def fold_views(event_log: EventLog, tenant_id: str | None, views: MemoryViews, after: int = 0) -> tuple[int, int]:
    """Project the conversation events of the log after position ``after`` (one tenant's, or all) into ``views``;
    returns how many and the last position read."""
    events, _ = await event_log.history(tenant_id, opened=True, after=after)  # undecodable: parked live, not here
    for start in range(0, len(events), BATCH):
        await project_batch(views, events[start : start + BATCH])
    return len(events), events[-1].position if events else after


async def rebuild_views(event_log: EventLog, tenant_id: str | None) -> tuple[MemoryViews, int]:
    """Project every conversation event of the log (one tenant's, or all) into memory; returns it and the count."""
    views = MemoryViews()
    count, _ = await fold_views(event_log, tenant_id, views)
    return views, count


def _conversation(row: ConversationRow) -> Row:
    compared = {c: getattr(row, c) for c in CONVERSATION_COLUMNS}
    if compared["customer_id"] == ERASED:  # an erasure's redaction forgets the customer: the log reads [erased]
        compared["customer_id"] = None
    return compared


def _line(entry: TranscriptEntry) -> Row:
    return {"event_id": entry.event_id, "role": entry.role, "text": entry.text, "at": entry.at}


async def _tables(views: MemoryViews, repo: ViewRepository, tenant_id: str | None) -> list[TableRows]:
    """The live rows (read now) and the rebuilt ones, table by table."""
    live_conversations = {
        (r.tenant_id, r.conversation_id): _conversation(r) for r in await repo.conversations(tenant_id)
    }
    live_lines = {(t, c, e.position): _line(e) for t, c, e in await repo.transcripts(tenant_id)}
    rebuilt = views.conversations
    return [
        TableRows(
            conversations,
            CONVERSATION_KEY,
            live_conversations,
            {key: _conversation(row) for key, row in rebuilt.items()},
            {key: {"event_count": row.event_count} for key, row in rebuilt.items()},
        ),
        TableRows(
            transcript_entries,
            TRANSCRIPT_KEY,
            live_lines,
            {key: _line(entry) for key, entry in views.transcripts.items()},
        ),
    ]


async def check_views(event_log: EventLog, repo: ViewRepository, tenant_id: str | None) -> list[ProjectionCheck]:
    """Rebuild the views from the log and compare them with the live tables (read after the log: run it when the
    projection has caught up, or expect the newest events as differences)."""
    started = time.perf_counter()
    views, events = await rebuild_views(event_log, tenant_id)
    rebuilt_at = time.perf_counter() - started
    return table_checks(SERVICE, await _tables(views, repo, tenant_id), events, rebuilt_at, None)


async def repair_views(event_log: EventLog, repo: ViewRepository, tenant_id: str | None) -> list[ProjectionCheck]:
    """Rebuild the views from the log and write them over the live tables in the caller's transaction; returns the
    comparison made before writing, with the rows written.

    The log is read once without a lock; then both tables are locked (the projection consumer and the requests that
    project a customer's message wait; reads go on), the events appended meanwhile are projected too, and the live
    rows are read. Whatever is committed in the live tables was on the log before (both writers append before they
    commit), so the rebuild is never behind them; it may be ahead of a lagging consumer, which then projects those
    events again to no effect (lines are keyed by position, a conversation's state only moves forward)."""
    started = time.perf_counter()
    views = MemoryViews()
    events, last = await fold_views(event_log, tenant_id, views)
    await repo.lock()
    more, _ = await fold_views(event_log, tenant_id, views, after=last)
    tables = await _tables(views, repo, tenant_id)
    repaired = [await repo.replace(t) for t in tables]
    return table_checks(SERVICE, tables, events + more, time.perf_counter() - started, repaired)
