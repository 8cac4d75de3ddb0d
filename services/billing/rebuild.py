"""``deskpilot billing rebuild``: recompute the ledger and the meters from the event log alone, and compare.

The rebuild feeds every conversation event, in log order, through the same :func:`services.billing.booking.book`
as the live consumer, into an in-memory :class:`MemoryLedger`; the result must equal the live tables exactly
(every entry, every decimal digit, every meter). ``deskpilot projections rebuild billing`` without ``--check``
writes it over the live tables (:func:`repair_ledger`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.events import EventLog
from libs.platform.projection_repair import TableRows, table_checks
from libs.platform.projections import ProjectionCheck, Row
from services.billing.booking import (
    ConversationMeter,
    LedgerEntry,
    LedgerSnapshot,
    TurnUsage,
    book,
    money,
)
from services.billing.models import active_conversations, conversation_meters, ledger_entries, turn_usage
from services.billing.repository import LedgerRepository


class MemoryLedger(LedgerSnapshot):
    """A :class:`services.billing.booking.LedgerStore` in memory, with the live store's semantics."""

    def __init__(self) -> None:
        super().__init__(entries={}, turns={}, meters={}, active=set())
        self.active_at: dict[tuple[str, str, str], datetime] = {}  # the first message of the month (not compared)
        self._by_turn: dict[tuple[str, str | None], list[LedgerEntry]] = {}

    async def add_entry(self, entry: LedgerEntry) -> None:
        if entry.event_id not in self.entries:
            self.entries[entry.event_id] = entry
            self._by_turn.setdefault((entry.tenant_id, entry.turn_id), []).append(entry)

    async def close_turn(self, tenant_id: str, conversation_id: str, turn_id: str) -> TurnUsage | None:
        if (tenant_id, turn_id) in self.turns:
            return None
        lines = self._by_turn.get((tenant_id, turn_id), [])
        usage = TurnUsage(
            tenant_id,
            turn_id,
            conversation_id,
            sum(1 for e in lines if e.kind == "llm"),
            sum(1 for e in lines if e.kind == "tool"),
            sum(e.input_tokens for e in lines),
            sum(e.output_tokens for e in lines),
            money(sum((e.cost_usd for e in lines), Decimal(0))),
        )
        self.turns[(tenant_id, turn_id)] = usage
        return usage

    async def mark_active(self, tenant_id: str, month: str, conversation_id: str, at: datetime) -> bool:
        key = (tenant_id, month, conversation_id)
        if key in self.active:
            return False
        self.active.add(key)
        self.active_at[key] = at
        return True

    def _meter(self, tenant_id: str, conversation_id: str) -> ConversationMeter:
        key = (tenant_id, conversation_id)
        if key not in self.meters:
            self.meters[key] = ConversationMeter(tenant_id, conversation_id, None, None, None, None, False)
        return self.meters[key]

    async def meter_message(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        m = self._meter(tenant_id, conversation_id)
        if m.first_message_at is None:
            self.meters[(tenant_id, conversation_id)] = dataclasses.replace(m, first_message_at=at)

    async def meter_human_involvement(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        m = self._meter(tenant_id, conversation_id)
        if m.human_involved_at is None:
            self.meters[(tenant_id, conversation_id)] = dataclasses.replace(m, human_involved_at=at)

    async def meter_resolution(self, tenant_id: str, conversation_id: str, by: str, at: datetime) -> None:
        m = self._meter(tenant_id, conversation_id)
        if m.resolved_by is None:
            ai = by == "ai" and m.human_involved_at is None
            self.meters[(tenant_id, conversation_id)] = dataclasses.replace(
                m, resolved_by=by, resolved_at=at, ai_resolution=ai
            )

    def snapshot(self) -> LedgerSnapshot:
        return LedgerSnapshot(dict(self.entries), dict(self.turns), dict(self.meters), set(self.active))


@dataclass(frozen=True)
class RebuildReport:
    events: int
    skipped: int  # undecodable messages (the live consumer parks them in dead letters too)
    rebuilt: LedgerSnapshot
    live: LedgerSnapshot
    differences: list[str]

    @property
    def matches(self) -> bool:
        return not self.differences


async def fold_ledger(
    event_log: EventLog, tenant_id: str | None, ledger: MemoryLedger, after: int = 0, through: int | None = None
) -> tuple[int, int, int]:
    """Book the conversation events of the log after position ``after`` (and up to ``through``), of one tenant or
    all, into ``ledger``; returns how many were booked, how many skipped, and the last position read."""
    events, skipped = await event_log.history(tenant_id, opened=False, after=after)  # book() reads no personal field
    booked = [recorded for recorded in events if through is None or recorded.position <= through]
    for recorded in booked:
        await book(ledger, recorded)
    return len(booked), skipped, events[-1].position if events else after


async def rebuild_from_log(event_log: EventLog, tenant_id: str | None = None) -> tuple[MemoryLedger, int, int]:
    """Book the whole conversation log (of one tenant, or all) into memory; returns it, events booked, skipped."""
    ledger = MemoryLedger()
    events, skipped, _ = await fold_ledger(event_log, tenant_id, ledger)
    return ledger, events, skipped


async def rebuild_and_compare(
    event_log: EventLog, repo: LedgerRepository, tenant_id: str | None = None
) -> RebuildReport:
    """Rebuild from the log and compare with the live ledger (read after the log, so the live side is at least as
    recent: run it when the consumer has caught up, or expect the newest events as differences)."""
    ledger, events, skipped = await rebuild_from_log(event_log, tenant_id)
    live = await repo.snapshot(tenant_id)
    rebuilt = ledger.snapshot()
    return RebuildReport(events, skipped, rebuilt, live, live.differences(rebuilt))


def _rows(items: dict[Any, Any]) -> dict[tuple[Any, ...], Row]:
    return {key if isinstance(key, tuple) else (key,): dataclasses.asdict(value) for key, value in items.items()}


def _tables(live: LedgerSnapshot, rebuilt: LedgerSnapshot, active_at: dict[Any, datetime]) -> list[TableRows]:
    """Each table booking writes: its live rows and its rebuilt ones, by key."""
    return [
        TableRows(ledger_entries, ("event_id",), _rows(live.entries), _rows(rebuilt.entries)),
        TableRows(turn_usage, ("tenant_id", "turn_id"), _rows(live.turns), _rows(rebuilt.turns)),
        TableRows(conversation_meters, ("tenant_id", "conversation_id"), _rows(live.meters), _rows(rebuilt.meters)),
        TableRows(
            active_conversations,
            ("tenant_id", "month", "conversation_id"),
            {k: {} for k in live.active},
            {k: {} for k in rebuilt.active},
            {k: {"first_message_at": at} for k, at in active_at.items()},
        ),
    ]


def projection_checks(report: RebuildReport, seconds: float = 0.0) -> list[ProjectionCheck]:
    """The rebuild as ``deskpilot projections rebuild billing --check`` reports it: one check per table, rows named."""
    return table_checks("billing", _tables(report.live, report.rebuilt, {}), report.events, seconds, None)


async def repair_ledger(
    event_log: EventLog, repo: LedgerRepository, applied_through: Callable[[], Awaitable[int]], tenant_id: str | None
) -> list[ProjectionCheck]:
    """Rebuild the ledger from the log and write it over the live tables in the caller's transaction; returns the
    comparison made before writing, with the rows written.

    Unlike the conversation views, a ledger must not run ahead of its consumer: a turn the rebuild closed, or a month
    it marked active, is one the consumer then finds done and never announces (``usage.recorded``, quota events). So
    the log is read once without a lock, then the tables are locked (the consumer waits), ``applied_through`` tells
    the last position the consumer has applied with nothing left to take (or refuses), and only events up to it are
    booked: the rebuild then covers exactly what the live tables should hold."""
    started = time.perf_counter()
    ledger = MemoryLedger()
    events, _, last = await fold_ledger(event_log, tenant_id, ledger)
    await repo.lock()
    more, _, _ = await fold_ledger(event_log, tenant_id, ledger, after=last, through=await applied_through())
    tables = _tables(await repo.snapshot(tenant_id), ledger.snapshot(), ledger.active_at)
    repaired = [await repo.replace(t) for t in tables]
    return table_checks("billing", tables, events + more, time.perf_counter() - started, repaired)
