"""``deskpilot billing rebuild``: recompute the ledger and the meters from the event log alone, and compare.

The rebuild feeds every conversation event, in log order, through the same :func:`services.billing.booking.book`
as the live consumer, into an in-memory :class:`MemoryLedger`; the result must equal the live tables exactly
(every entry, every decimal digit, every meter).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.events import EventLog
from libs.platform.projections import ProjectionCheck, Row, compare_rows
from services.billing.booking import (
    ConversationMeter,
    LedgerEntry,
    LedgerSnapshot,
    TurnUsage,
    book,
    money,
)
from services.billing.repository import LedgerRepository


class MemoryLedger(LedgerSnapshot):
    """A :class:`services.billing.booking.LedgerStore` in memory, with the live store's semantics."""

    def __init__(self) -> None:
        super().__init__(entries={}, turns={}, meters={}, active=set())
        self._by_turn: dict[tuple[str, str | None], list[LedgerEntry]] = {}

    async def add_entry(self, entry: LedgerEntry) -> bool:
        if entry.event_id in self.entries:
            return False
        self.entries[entry.event_id] = entry
        self._by_turn.setdefault((entry.tenant_id, entry.turn_id), []).append(entry)
        return True

    async def turn_usage(self, tenant_id: str, conversation_id: str, turn_id: str) -> TurnUsage:
        lines = self._by_turn.get((tenant_id, turn_id), [])
        return TurnUsage(
            tenant_id,
            turn_id,
            conversation_id,
            sum(1 for e in lines if e.kind == "llm"),
            sum(1 for e in lines if e.kind == "tool"),
            sum(e.input_tokens for e in lines),
            sum(e.output_tokens for e in lines),
            money(sum((e.cost_usd for e in lines), Decimal(0))),
        )

    async def close_turn(self, usage: TurnUsage) -> bool:
        key = (usage.tenant_id, usage.turn_id)
        if key in self.turns:
            return False
        self.turns[key] = usage
        return True

    async def mark_active(self, tenant_id: str, month: str, conversation_id: str, at: datetime) -> bool:  # noqa: ARG002
        key = (tenant_id, month, conversation_id)
        if key in self.active:
            return False
        self.active.add(key)
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


async def rebuild_from_log(event_log: EventLog, tenant_id: str | None = None) -> tuple[MemoryLedger, int, int]:
    """Book the whole conversation log (of one tenant, or all) into memory; returns it, events booked, skipped."""
    events, skipped = await event_log.history(tenant_id, opened=False)  # book() reads no personal field
    ledger = MemoryLedger()
    for recorded in events:
        await book(ledger, recorded)
    return ledger, len(events), skipped


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


def projection_checks(report: RebuildReport, seconds: float = 0.0) -> list[ProjectionCheck]:
    """The rebuild as ``deskpilot projections rebuild billing`` reports it: one check per table, rows named."""
    live, rebuilt = report.live, report.rebuilt
    tables: list[tuple[str, tuple[str, ...], dict[tuple[Any, ...], Row], dict[tuple[Any, ...], Row]]] = [
        ("ledger_entries", ("event_id",), _rows(live.entries), _rows(rebuilt.entries)),
        ("turn_usage", ("tenant_id", "turn_id"), _rows(live.turns), _rows(rebuilt.turns)),
        ("conversation_meters", ("tenant_id", "conversation_id"), _rows(live.meters), _rows(rebuilt.meters)),
        (
            "active_conversations",
            ("tenant_id", "month", "conversation_id"),
            {k: {} for k in live.active},
            {k: {} for k in rebuilt.active},
        ),
    ]
    return [
        ProjectionCheck(
            "billing",
            table,
            report.events,
            len(rebuilt_rows),
            len(live_rows),
            compare_rows("billing", table, key, live_rows, rebuilt_rows),
            seconds,
        )
        for table, key, live_rows, rebuilt_rows in tables
    ]
