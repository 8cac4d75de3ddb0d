"""The conversation views rebuilt from the log (``deskpilot projections rebuild conversation``).

Every conversation event, in log order and opened, goes through the live consumer's own ``service.project_batch``
into :class:`MemoryViews` (a ``ProjectionStore`` in memory); the result is compared with the live
``conversations`` and ``transcript_entries`` tables row by row. ``event_count`` is left out: the HTTP path projects
a customer's message at once, and the consumer does not count an older event it projects after it, so the live
count may trail a rebuild's without anything being wrong with the view.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import datetime

from libs.events import EventLog
from libs.platform.projections import ProjectionCheck, Row, compare_rows
from services.conversation.repository import ConversationRow, TranscriptEntry, ViewRepository
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

    async def advance(
        self, tenant_id: str, conversation_id: str, position: int, status: str, at: datetime, events: int = 1
    ) -> None:
        key = (tenant_id, conversation_id)
        row = self.conversations[key]
        self.conversations[key] = dataclasses.replace(
            row, last_position=position, status=status, updated_at=at, event_count=row.event_count + events
        )

    async def add_entries(self, tenant_id: str, conversation_id: str, entries: Sequence[TranscriptEntry]) -> None:
        for e in entries:
            self.transcripts.setdefault((tenant_id, conversation_id, e.position), e)

    async def add_entry(
        self, tenant_id: str, conversation_id: str, position: int, event_id: str, role: str, text: str, at: datetime
    ) -> None:
        entry = TranscriptEntry(position, event_id, role, text, at)
        self.transcripts.setdefault((tenant_id, conversation_id, position), entry)


async def rebuild_views(event_log: EventLog, tenant_id: str | None) -> tuple[MemoryViews, int]:
    """Project every conversation event of the log (one tenant's, or all) into memory; returns it and the count."""
    events, _ = await event_log.history(tenant_id, opened=True)  # undecodable ones: parked live, not in the view
    views = MemoryViews()
    for start in range(0, len(events), BATCH):
        await project_batch(views, events[start : start + BATCH])
    return views, len(events)


def _conversation(row: ConversationRow) -> Row:
    return {c: getattr(row, c) for c in CONVERSATION_COLUMNS}


def _line(entry: TranscriptEntry) -> Row:
    return {"event_id": entry.event_id, "role": entry.role, "text": entry.text, "at": entry.at}


async def check_views(event_log: EventLog, repo: ViewRepository, tenant_id: str | None) -> list[ProjectionCheck]:
    """Rebuild the views from the log and compare them with the live tables (read after the log: run it when the
    projection has caught up, or expect the newest events as differences)."""
    started = time.perf_counter()
    views, events = await rebuild_views(event_log, tenant_id)
    rebuilt_at = time.perf_counter() - started
    live_conversations = {
        (r.tenant_id, r.conversation_id): _conversation(r) for r in await repo.conversations(tenant_id)
    }
    live_lines = {(t, c, e.position): _line(e) for t, c, e in await repo.transcripts(tenant_id)}
    rebuilt_conversations = {key: _conversation(row) for key, row in views.conversations.items()}
    rebuilt_lines = {key: _line(entry) for key, entry in views.transcripts.items()}
    return [
        ProjectionCheck(
            SERVICE,
            "conversations",
            events,
            len(rebuilt_conversations),
            len(live_conversations),
            compare_rows(SERVICE, "conversations", CONVERSATION_KEY, live_conversations, rebuilt_conversations),
            rebuilt_at,
        ),
        ProjectionCheck(
            SERVICE,
            "transcript_entries",
            events,
            len(rebuilt_lines),
            len(live_lines),
            compare_rows(SERVICE, "transcript_entries", TRANSCRIPT_KEY, live_lines, rebuilt_lines),
            rebuilt_at,
        ),
    ]
