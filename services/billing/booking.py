"""The booking rules: how one conversation event changes the ledger and the meters.

A pure function of the event and a :class:`LedgerStore`. The live consumer runs it against PostgreSQL
(:class:`services.billing.repository.LedgerRepository`); ``deskpilot billing rebuild`` runs the very same function
against an in-memory store fed from the event log (:class:`services.billing.rebuild.MemoryLedger`) and compares.
Every write is idempotent, so a redelivered event changes nothing.

Prices come from :mod:`libs.pricing` on the day the call was made (the event's ``occurred_at``, UTC); a model the
table does not know is booked at the cost the agent reported (``priced_from = "event"``). Discarded model calls are
billed. Tool calls that never executed (unknown tool, invalid arguments, dry run) cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from libs.events import (
    AgentReplied,
    ConversationResolved,
    HandoffRequested,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
)
from libs.pricing import UnknownPrice, llm_cost, tool_cost

if TYPE_CHECKING:  # rows are read in the repository; booking itself stays free of SQL
    from sqlalchemy import RowMapping

SCALE = Decimal("0.0000000001")  # the ledger's NUMERIC(20, 10)
NOT_EXECUTED = frozenset({"invalid_arguments", "unknown_tool"})
# Besides handoff.requested, these mean a human took part: a later AI resolution is then not an "AI resolution".
HUMAN_INVOLVEMENT = frozenset({"human.assigned", "human.replied"})
BOOKED_TYPES = frozenset(
    {
        "llm.called",
        "tool.completed",
        "tool.failed",
        "message.received",
        "conversation.resolved",
        "agent.replied",
        "handoff.requested",
        *HUMAN_INVOLVEMENT,
    }
)
"""The conversation events ``book`` reads; every other type changes nothing in the ledger."""
ANNOUNCING_TYPES = frozenset({"agent.replied", "handoff.requested", "message.received"})
"""The types whose booking may announce something: a turn's ``usage.recorded``, a quota threshold or state."""


def money(value: Decimal) -> Decimal:
    return value.quantize(SCALE)


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class LedgerEntry:
    event_id: str
    tenant_id: str
    conversation_id: str
    turn_id: str | None
    kind: str  # llm | tool
    provider: str | None
    model: str | None
    tool: str | None
    outcome: str | None
    error_kind: str | None
    discarded: bool
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: Decimal
    priced_from: str
    position: int
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> LedgerEntry:
        return cls(
            event_id=row["event_id"],
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            turn_id=row["turn_id"],
            kind=row["kind"],
            provider=row["provider"],
            model=row["model"],
            tool=row["tool"],
            outcome=row["outcome"],
            error_kind=row["error_kind"],
            discarded=row["discarded"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cache_read_tokens=row["cache_read_tokens"],
            cache_write_tokens=row["cache_write_tokens"],
            cost_usd=row["cost_usd"],
            priced_from=row["priced_from"],
            position=row["position"],
            occurred_at=row["occurred_at"],
        )


@dataclass(frozen=True)
class TurnUsage:
    tenant_id: str
    turn_id: str
    conversation_id: str
    llm_calls: int
    tool_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal

    @classmethod
    def from_row(cls, row: RowMapping) -> TurnUsage:
        return cls(
            tenant_id=row["tenant_id"],
            turn_id=row["turn_id"],
            conversation_id=row["conversation_id"],
            llm_calls=row["llm_calls"],
            tool_calls=row["tool_calls"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cost_usd=row["cost_usd"],
        )


@dataclass(frozen=True)
class Booked:
    """What booking one event changed that the live path must announce."""

    usage: TurnUsage | None = None  # a turn closed now
    newly_active_month: str | None = None  # the conversation became active in this month now


class LedgerStore(Protocol):
    """Where booking writes. Every method is idempotent."""

    async def add_entry(self, entry: LedgerEntry) -> None:
        """Store the entry, unless its event was booked already (the first booking stays). The store may hold it back
        to write it with the next ones, as long as it is written before anything that reads entries (``close_turn``)
        and with the rest of the unit of work."""

    async def close_turn(self, tenant_id: str, conversation_id: str, turn_id: str) -> TurnUsage | None:
        """Record the totals of the turn's entries booked so far as its usage, and return them; None if the turn was
        already closed (its usage stays as first recorded)."""

    async def mark_active(self, tenant_id: str, month: str, conversation_id: str, at: datetime) -> bool:
        """Count the conversation as active in ``month``; False if it already was."""

    async def meter_message(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        """Note the conversation's first customer message (kept if already noted)."""

    async def meter_human_involvement(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        """Note the first time a human got involved: handoff, assignment or a human reply (kept if noted)."""

    async def meter_resolution(self, tenant_id: str, conversation_id: str, by: str, at: datetime) -> None:
        """Note the conversation's first resolution; an AI resolution counts only if no handoff came before."""


def price_llm_call(call: LlmCalled, at: datetime) -> tuple[Decimal, str]:
    try:
        cost = llm_cost(
            call.provider,
            call.model,
            at.astimezone(UTC).date(),
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            cache_read_tokens=call.cache_read_tokens,
            cache_write_tokens=call.cache_write_tokens,
        )
    except UnknownPrice:
        return money(call.cost_usd), "event"
    return money(cost), "price_table"


async def book(store: LedgerStore, recorded: RecordedEvent) -> Booked:
    """Apply one conversation event to the ledger and the meters (idempotent on the event id)."""
    event, payload = recorded.event, recorded.event.payload
    if event.conversation_id is None:
        return Booked()
    tenant, conv, at = event.tenant_id, event.conversation_id, event.occurred_at
    match payload:
        case LlmCalled():
            await store.add_entry(llm_entry(recorded, payload))
        case ToolCompleted() | ToolFailed():
            await store.add_entry(tool_entry(recorded, payload))
        case MessageReceived():
            await store.meter_message(tenant, conv, at)
            month = month_of(at)
            if await store.mark_active(tenant, month, conv, at):
                return Booked(newly_active_month=month)
        case ConversationResolved():
            await store.meter_resolution(tenant, conv, payload.by, at)
        case AgentReplied() | HandoffRequested():
            if isinstance(payload, HandoffRequested):
                await store.meter_human_involvement(tenant, conv, at)
            if (usage := await store.close_turn(tenant, conv, payload.turn_id)) is not None:
                return Booked(usage=usage)
        case _ if event.type in HUMAN_INVOLVEMENT:
            await store.meter_human_involvement(tenant, conv, at)
    return Booked()


def llm_entry(recorded: RecordedEvent, call: LlmCalled) -> LedgerEntry:
    """A model call's ledger entry, priced on the day it was made."""
    cost, source = price_llm_call(call, recorded.event.occurred_at)
    return _entry(
        recorded,
        turn_id=call.turn_id,
        kind="llm",
        provider=call.provider,
        model=call.model,
        discarded=call.discarded,
        input_tokens=call.input_tokens,
        output_tokens=call.output_tokens,
        cache_read_tokens=call.cache_read_tokens,
        cache_write_tokens=call.cache_write_tokens,
        cost_usd=cost,
        priced_from=source,
    )


def tool_entry(recorded: RecordedEvent, outcome: ToolCompleted | ToolFailed) -> LedgerEntry:
    """A tool call's ledger entry; one that never executed (dry run, unknown tool, invalid arguments) is free."""
    failed = isinstance(outcome, ToolFailed)
    executed = outcome.kind not in NOT_EXECUTED if isinstance(outcome, ToolFailed) else not outcome.dry_run
    day = recorded.event.occurred_at.astimezone(UTC).date()
    return _entry(
        recorded,
        turn_id=outcome.turn_id,
        kind="tool",
        tool=outcome.tool,
        outcome="failed" if failed else "completed",
        error_kind=outcome.kind if isinstance(outcome, ToolFailed) else None,
        cost_usd=money(tool_cost(outcome.tool, day, executed=executed)),
        priced_from="price_table",
    )


def _entry(
    recorded: RecordedEvent,
    *,
    turn_id: str,
    kind: str,
    cost_usd: Decimal,
    priced_from: str,
    provider: str | None = None,
    model: str | None = None,
    tool: str | None = None,
    outcome: str | None = None,
    error_kind: str | None = None,
    discarded: bool = False,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> LedgerEntry:
    event = recorded.event
    assert event.conversation_id is not None
    return LedgerEntry(
        event_id=event.id,
        tenant_id=event.tenant_id,
        conversation_id=event.conversation_id,
        turn_id=turn_id,
        kind=kind,
        provider=provider,
        model=model,
        tool=tool,
        outcome=outcome,
        error_kind=error_kind,
        discarded=discarded,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        cost_usd=cost_usd,
        priced_from=priced_from,
        position=recorded.position,
        occurred_at=event.occurred_at,
    )


@dataclass(frozen=True)
class ConversationMeter:
    tenant_id: str
    conversation_id: str
    first_message_at: datetime | None
    human_involved_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    ai_resolution: bool

    @classmethod
    def from_row(cls, row: RowMapping) -> ConversationMeter:
        return cls(
            tenant_id=row["tenant_id"],
            conversation_id=row["conversation_id"],
            first_message_at=row["first_message_at"],
            human_involved_at=row["human_involved_at"],
            resolved_by=row["resolved_by"],
            resolved_at=row["resolved_at"],
            ai_resolution=row["ai_resolution"],
        )


@dataclass
class LedgerSnapshot:
    """Everything booking derives from the log, keyed for comparison (live ledger vs rebuild)."""

    entries: dict[str, LedgerEntry]
    turns: dict[tuple[str, str], TurnUsage]
    meters: dict[tuple[str, str], ConversationMeter]
    active: set[tuple[str, str, str]]  # (tenant, month, conversation)

    def differences(self, other: LedgerSnapshot, limit: int = 50) -> list[str]:
        """Human-readable differences, ``self`` being the live ledger and ``other`` the rebuild."""
        out: list[str] = []
        for name, mine, theirs in (
            ("ledger entry", self.entries, other.entries),
            ("turn usage", self.turns, other.turns),
            ("conversation meter", self.meters, other.meters),
        ):
            for key in sorted(set(mine) | set(theirs), key=str):
                a, b = mine.get(key), theirs.get(key)  # type: ignore[call-overload]
                if a != b:
                    out.append(f"{name} {key}: live={a} rebuilt={b}")
        for key in sorted(self.active ^ other.active):
            where = "live only" if key in self.active else "rebuilt only"
            out.append(f"active conversation {key}: {where}")
        return out[:limit]
