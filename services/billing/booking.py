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
from typing import Protocol

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


@dataclass(frozen=True)
class Booked:
    """What booking one event changed that the live path must announce."""

    usage: TurnUsage | None = None  # a turn closed now
    newly_active_month: str | None = None  # the conversation became active in this month now


class LedgerStore(Protocol):
    """Where booking writes. Every method is idempotent."""

    async def add_entry(self, entry: LedgerEntry) -> bool:
        """Store the entry; False if its event was already booked."""

    async def turn_usage(self, tenant_id: str, conversation_id: str, turn_id: str) -> TurnUsage:
        """The totals of the turn's entries booked so far."""

    async def close_turn(self, usage: TurnUsage) -> bool:
        """Record the turn's usage; False if the turn was already closed."""

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
    day = at.astimezone(UTC).date()

    def entry(**fields: object) -> LedgerEntry:
        base: dict[str, object] = {
            "event_id": event.id,
            "tenant_id": tenant,
            "conversation_id": conv,
            "turn_id": None,
            "provider": None,
            "model": None,
            "tool": None,
            "outcome": None,
            "error_kind": None,
            "discarded": False,
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "position": recorded.position,
            "occurred_at": at,
        }
        return LedgerEntry(**{**base, **fields})  # type: ignore[arg-type]

    match payload:
        case LlmCalled():
            cost, source = price_llm_call(payload, at)
            await store.add_entry(
                entry(
                    turn_id=payload.turn_id,
                    kind="llm",
                    provider=payload.provider,
                    model=payload.model,
                    discarded=payload.discarded,
                    input_tokens=payload.input_tokens,
                    output_tokens=payload.output_tokens,
                    cache_read_tokens=payload.cache_read_tokens,
                    cache_write_tokens=payload.cache_write_tokens,
                    cost_usd=cost,
                    priced_from=source,
                )
            )
        case ToolCompleted():
            executed = not payload.dry_run
            await store.add_entry(
                entry(
                    turn_id=payload.turn_id,
                    kind="tool",
                    tool=payload.tool,
                    outcome="completed",
                    cost_usd=money(tool_cost(payload.tool, day, executed=executed)),
                    priced_from="price_table",
                )
            )
        case ToolFailed():
            executed = payload.kind not in NOT_EXECUTED
            await store.add_entry(
                entry(
                    turn_id=payload.turn_id,
                    kind="tool",
                    tool=payload.tool,
                    outcome="failed",
                    error_kind=payload.kind,
                    cost_usd=money(tool_cost(payload.tool, day, executed=executed)),
                    priced_from="price_table",
                )
            )
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
            usage = await store.turn_usage(tenant, conv, payload.turn_id)
            if await store.close_turn(usage):
                return Booked(usage=usage)
        case _ if event.type in HUMAN_INVOLVEMENT:
            await store.meter_human_involvement(tenant, conv, at)
        case _:
            pass
    return Booked()


@dataclass(frozen=True)
class ConversationMeter:
    tenant_id: str
    conversation_id: str
    first_message_at: datetime | None
    human_involved_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    ai_resolution: bool


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
