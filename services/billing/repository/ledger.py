"""The ledger and the meters: every SQL statement of billing's booking and reports, and the rows they return."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, String, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from libs.platform.projection_repair import TableRows, lock_tables, replace_rows
from services.billing.booking import ConversationMeter, LedgerEntry, LedgerSnapshot, TurnUsage, money
from services.billing.models import active_conversations, conversation_meters, ledger_entries, turn_usage


@dataclass(frozen=True)
class ConversationCostRow:
    """A conversation's cost and calls within a period."""

    conversation_id: str
    cost_usd: Decimal
    llm_calls: int
    tool_calls: int

    @classmethod
    def from_row(cls, row: RowMapping) -> ConversationCostRow:
        return cls(
            conversation_id=row["conversation_id"],
            cost_usd=row["cost_usd"],
            llm_calls=row["llm_calls"],
            tool_calls=row["tool_calls"],
        )


@dataclass(frozen=True)
class CostDriverRow:
    """One model or tool within one conversation's cost (``name``: the model, or the tool)."""

    conversation_id: str
    kind: str  # llm | tool
    name: str | None
    calls: int
    failures: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal

    @classmethod
    def from_row(cls, row: RowMapping) -> CostDriverRow:
        return cls(
            conversation_id=row["conversation_id"],
            kind=row["kind"],
            name=row["name"],
            calls=row["calls"],
            failures=row["failures"],
            input_tokens=int(row["input_tokens"]),
            output_tokens=int(row["output_tokens"]),
            cost_usd=row["cost_usd"],
        )


@dataclass(frozen=True)
class ToolStat:
    """One tool's calls, failures and cost within a period."""

    tool: str | None
    calls: int
    failures: int
    cost_usd: Decimal

    @classmethod
    def from_row(cls, row: RowMapping) -> ToolStat:
        return cls(tool=row["tool"], calls=row["calls"], failures=row["failures"], cost_usd=row["cost_usd"])


@dataclass(frozen=True)
class ModelStat:
    """One provider and model's calls within a period: how many, the tokens, and the cost."""

    provider: str | None
    model: str | None
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal

    @classmethod
    def from_row(cls, row: RowMapping) -> ModelStat:
        return cls(
            provider=row["provider"],
            model=row["model"],
            calls=row["calls"],
            input_tokens=int(row["input_tokens"]),
            output_tokens=int(row["output_tokens"]),
            cost_usd=row["cost_usd"],
        )


def _close_turn_statement() -> ReturningInsert[Any]:
    """Sum the turn's entries and record the totals as its usage, in one statement (reading the totals, then
    inserting them, was a round trip more per turn); returns the row, or nothing if the turn was already closed."""
    c, key = ledger_entries.c, String(64)
    tenant, turn, conversation = (bindparam(n, type_=key) for n in ("tenant_id", "turn_id", "conversation_id"))
    totals = select(
        tenant,
        turn,
        conversation,
        func.count().filter(c.kind == "llm"),
        func.count().filter(c.kind == "tool"),
        func.coalesce(func.sum(c.input_tokens), 0),
        func.coalesce(func.sum(c.output_tokens), 0),
        func.coalesce(func.sum(c.cost_usd), 0),
    ).where(c.tenant_id == tenant, c.turn_id == turn)
    columns = ["tenant_id", "turn_id", "conversation_id", "llm_calls", "tool_calls", "input_tokens", "output_tokens"]
    return (
        insert(turn_usage)
        .from_select([*columns, "cost_usd"], totals)
        .on_conflict_do_nothing()
        .returning(*(turn_usage.c[name] for name in [*columns, "cost_usd"]))
    )


# Booking's inserts, built once; each call passes its row as parameters.
_ADD_ENTRY = insert(ledger_entries).on_conflict_do_nothing().returning(ledger_entries.c.event_id)
_CLOSE_TURN = _close_turn_statement()
_MARK_ACTIVE = insert(active_conversations).on_conflict_do_nothing().returning(active_conversations.c.conversation_id)


class LedgerRepository:
    """The ledger and the meters in PostgreSQL: the live :class:`services.billing.booking.LedgerStore`."""

    def __init__(self, session: AsyncSession, *, hold_entries: bool = False) -> None:
        """``hold_entries``: entries are written together by :meth:`flush` (which the owner then must call before
        its unit of work commits), or before a turn's close reads them; otherwise each as it is booked."""
        self.session = session
        self._hold = hold_entries
        self._held: dict[str, dict[str, Any]] = {}  # entries booked and not yet written, by event id

    # --- booking (LedgerStore) ---------------------------------------------------------------------------------

    async def add_entry(self, entry: LedgerEntry) -> None:
        # Held, a batch of events is one INSERT of many rows, not one round trip each. The first booking of an event
        # stays, in the batch as in the table.
        self._held.setdefault(entry.event_id, vars(entry))
        if not self._hold:
            await self.flush()

    async def flush(self) -> None:
        """Write the entries held back, in one statement (their unit of work calls this before it commits)."""
        if self._held:
            rows, self._held = list(self._held.values()), {}
            # Built once, the rows passed as parameters: building it per entry (19 bound values, their coercions
            # and the cache key) was most of what booking a model call cost in Python. With RETURNING, SQLAlchemy
            # sends the rows as one multi-row INSERT ("insertmanyvalues"), not one statement per row.
            await self.session.execute(_ADD_ENTRY, rows)

    async def close_turn(self, tenant_id: str, conversation_id: str, turn_id: str) -> TurnUsage | None:
        await self.flush()  # the turn's sums include what this unit of work booked
        key = {"tenant_id": tenant_id, "turn_id": turn_id, "conversation_id": conversation_id}
        row = (await self.session.execute(_CLOSE_TURN, key)).mappings().first()
        if row is None:
            return None
        return dataclasses.replace(TurnUsage.from_row(row), cost_usd=money(row["cost_usd"]))

    async def mark_active(self, tenant_id: str, month: str, conversation_id: str, at: datetime) -> bool:
        row = {"tenant_id": tenant_id, "month": month, "conversation_id": conversation_id, "first_message_at": at}
        result = await self.session.execute(_MARK_ACTIVE, row)
        return result.first() is not None

    async def _meter_row(self, tenant_id: str, conversation_id: str) -> None:
        await self.session.execute(
            insert(conversation_meters)
            .values(tenant_id=tenant_id, conversation_id=conversation_id)
            .on_conflict_do_nothing()
        )

    async def _meter_first(self, tenant_id: str, conversation_id: str, column: str, at: datetime) -> None:
        """Note ``at`` in the meter's ``column`` unless a time is noted there already: one upsert (the meter row
        is created on the conversation's first event), not an insert and an update."""
        stmt = insert(conversation_meters).values(tenant_id=tenant_id, conversation_id=conversation_id, **{column: at})
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "conversation_id"],
                set_={column: stmt.excluded[column]},
                where=conversation_meters.c[column].is_(None),
            )
        )

    async def meter_message(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        await self._meter_first(tenant_id, conversation_id, "first_message_at", at)

    async def meter_human_involvement(self, tenant_id: str, conversation_id: str, at: datetime) -> None:
        await self._meter_first(tenant_id, conversation_id, "human_involved_at", at)

    async def meter_resolution(self, tenant_id: str, conversation_id: str, by: str, at: datetime) -> None:
        await self._meter_row(tenant_id, conversation_id)
        c = conversation_meters.c
        await self.session.execute(
            update(conversation_meters)
            .where(c.tenant_id == tenant_id, c.conversation_id == conversation_id, c.resolved_by.is_(None))
            .values(
                resolved_by=by, resolved_at=at, ai_resolution=c.human_involved_at.is_(None) if by == "ai" else False
            )
        )

    # --- reads ---------------------------------------------------------------------------------------------------

    async def conversation_entries(self, tenant_id: str, conversation_id: str) -> list[LedgerEntry]:
        rows = await self.session.execute(
            select(ledger_entries)
            .where(ledger_entries.c.tenant_id == tenant_id, ledger_entries.c.conversation_id == conversation_id)
            .order_by(ledger_entries.c.position)
        )
        return [LedgerEntry.from_row(r) for r in rows.mappings()]

    async def snapshot(self, tenant_id: str | None = None) -> LedgerSnapshot:
        """Every row booking derives from the log (of one tenant, or all)."""

        def scoped(table: Any) -> Any:
            query = select(table)
            return query if tenant_id is None else query.where(table.c.tenant_id == tenant_id)

        entries = {
            r["event_id"]: LedgerEntry.from_row(r)
            for r in (await self.session.execute(scoped(ledger_entries))).mappings()
        }
        turns = {
            (r["tenant_id"], r["turn_id"]): TurnUsage.from_row(r)
            for r in (await self.session.execute(scoped(turn_usage))).mappings()
        }
        meters = {
            (r["tenant_id"], r["conversation_id"]): ConversationMeter.from_row(r)
            for r in (await self.session.execute(scoped(conversation_meters))).mappings()
        }
        active = {
            (r["tenant_id"], r["month"], r["conversation_id"])
            for r in (await self.session.execute(scoped(active_conversations))).mappings()
        }
        return LedgerSnapshot(entries, turns, meters, active)

    async def lock(self) -> None:
        """Hold every write of booking's tables (the ledger consumer waits) until the transaction ends."""
        await lock_tables(self.session, (ledger_entries, turn_usage, conversation_meters, active_conversations))

    async def replace(self, rows: TableRows) -> int:
        """Write the rebuilt rows over the live ones (under :meth:`lock`); how many rows were written."""
        return await replace_rows(self.session, rows)

    async def active_count(self, tenant_id: str, month: str) -> int:
        c = active_conversations.c
        count = await self.session.scalar(select(func.count()).where(c.tenant_id == tenant_id, c.month == month))
        return int(count or 0)

    async def conversation_costs(self, tenant_id: str, start: datetime, end: datetime) -> list[ConversationCostRow]:
        """Per conversation with ledger entries in ``[start, end)``: its cost in the period and its call counts."""
        c = ledger_entries.c
        rows = await self.session.execute(
            select(
                c.conversation_id,
                func.sum(c.cost_usd).label("cost_usd"),
                func.count().filter(c.kind == "llm").label("llm_calls"),
                func.count().filter(c.kind == "tool").label("tool_calls"),
            )
            .where(c.tenant_id == tenant_id, c.occurred_at >= start, c.occurred_at < end)
            .group_by(c.conversation_id)
            .order_by(func.sum(c.cost_usd).desc(), c.conversation_id)
        )
        return [ConversationCostRow.from_row(r) for r in rows.mappings()]

    async def cost_drivers(
        self, tenant_id: str, conversation_ids: list[str], start: datetime, end: datetime
    ) -> list[CostDriverRow]:
        """What each conversation's cost is made of: per model and per tool, calls, failures and cost."""
        c = ledger_entries.c
        name = func.coalesce(c.model, c.tool)
        rows = await self.session.execute(
            select(
                c.conversation_id,
                c.kind,
                name.label("name"),
                func.count().label("calls"),
                func.count().filter(c.outcome == "failed").label("failures"),
                func.coalesce(func.sum(c.input_tokens + c.cache_read_tokens + c.cache_write_tokens), 0).label(
                    "input_tokens"
                ),
                func.coalesce(func.sum(c.output_tokens), 0).label("output_tokens"),
                func.sum(c.cost_usd).label("cost_usd"),
            )
            .where(
                c.tenant_id == tenant_id,
                c.conversation_id.in_(conversation_ids),
                c.occurred_at >= start,
                c.occurred_at < end,
            )
            .group_by(c.conversation_id, c.kind, name)
            .order_by(c.conversation_id, func.sum(c.cost_usd).desc(), name)
        )
        return [CostDriverRow.from_row(r) for r in rows.mappings()]

    async def tool_stats(self, tenant_id: str, start: datetime, end: datetime) -> list[ToolStat]:
        c = ledger_entries.c
        rows = await self.session.execute(
            select(
                c.tool,
                func.count().label("calls"),
                func.count().filter(c.outcome == "failed").label("failures"),
                func.sum(c.cost_usd).label("cost_usd"),
            )
            .where(c.tenant_id == tenant_id, c.kind == "tool", c.occurred_at >= start, c.occurred_at < end)
            .group_by(c.tool)
            .order_by(func.sum(c.cost_usd).desc(), c.tool)
        )
        return [ToolStat.from_row(r) for r in rows.mappings()]

    async def model_stats(self, tenant_id: str, start: datetime, end: datetime) -> list[ModelStat]:
        """Model calls in ``[start, end)`` per provider and model: calls, tokens and cost."""
        c = ledger_entries.c
        rows = await self.session.execute(
            select(
                c.provider,
                c.model,
                func.count().label("calls"),
                func.coalesce(func.sum(c.input_tokens + c.cache_read_tokens + c.cache_write_tokens), 0).label(
                    "input_tokens"
                ),
                func.coalesce(func.sum(c.output_tokens), 0).label("output_tokens"),
                func.sum(c.cost_usd).label("cost_usd"),
            )
            .where(c.tenant_id == tenant_id, c.kind == "llm", c.occurred_at >= start, c.occurred_at < end)
            .group_by(c.provider, c.model)
            .order_by(func.sum(c.cost_usd).desc(), c.provider, c.model)
        )
        return [ModelStat.from_row(r) for r in rows.mappings()]

    async def daily_costs(self, tenant_id: str, start: datetime, end: datetime) -> dict[date, Decimal]:
        """Ledger cost per UTC day of ``[start, end)``."""
        c = ledger_entries.c
        day = func.date(func.timezone("UTC", c.occurred_at))
        rows = await self.session.execute(
            select(day.label("day"), func.sum(c.cost_usd).label("cost_usd"))
            .where(c.tenant_id == tenant_id, c.occurred_at >= start, c.occurred_at < end)
            .group_by(day)
        )
        return {r.day: Decimal(r.cost_usd) for r in rows}

    async def conversations_using(
        self, tenant_id: str, start: datetime, end: datetime, *, tool: str | None, model: str | None
    ) -> set[str]:
        """Conversations with a ledger entry of ``tool`` (or of ``model``) in ``[start, end)``."""
        c = ledger_entries.c
        query = (
            select(c.conversation_id)
            .distinct()
            .where(c.tenant_id == tenant_id, c.occurred_at >= start, c.occurred_at < end)
        )
        if tool is not None:
            query = query.where(c.kind == "tool", c.tool == tool)
        if model is not None:
            query = query.where(c.kind == "llm", c.model == model)
        return set((await self.session.execute(query)).scalars())

    async def meters_in(self, tenant_id: str, start: datetime, end: datetime) -> list[ConversationMeter]:
        """Conversations whose first customer message, handoff or resolution falls in ``[start, end)``."""
        c = conversation_meters.c
        rows = await self.session.execute(
            select(conversation_meters).where(
                c.tenant_id == tenant_id,
                or_(
                    and_(c.first_message_at >= start, c.first_message_at < end),
                    and_(c.human_involved_at >= start, c.human_involved_at < end),
                    and_(c.resolved_at >= start, c.resolved_at < end),
                ),
            )
        )
        return [ConversationMeter.from_row(r) for r in rows.mappings()]

    async def outcomes(self, tenant_id: str, start: datetime, end: datetime) -> list[ConversationMeter]:
        """Conversations that were handed off or resolved in ``[start, end)``."""
        c = conversation_meters.c
        rows = await self.session.execute(
            select(conversation_meters).where(
                c.tenant_id == tenant_id,
                or_(
                    and_(c.human_involved_at >= start, c.human_involved_at < end),
                    and_(c.resolved_at >= start, c.resolved_at < end),
                ),
            )
        )
        return [ConversationMeter.from_row(r) for r in rows.mappings()]

    async def total_cost(self, tenant_id: str, conversation_ids: list[str]) -> Decimal:
        c = ledger_entries.c
        total = await self.session.scalar(
            select(func.coalesce(func.sum(c.cost_usd), 0)).where(
                c.tenant_id == tenant_id, c.conversation_id.in_(conversation_ids)
            )
        )
        return money(Decimal(total or 0))

    async def period_cost(self, tenant_id: str, start: datetime, end: datetime) -> Decimal:
        c = ledger_entries.c
        total = await self.session.scalar(
            select(func.coalesce(func.sum(c.cost_usd), 0)).where(
                c.tenant_id == tenant_id, c.occurred_at >= start, c.occurred_at < end
            )
        )
        return money(Decimal(total or 0))
