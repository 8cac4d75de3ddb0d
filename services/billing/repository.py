"""Every SQL statement of the billing service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import ledger_entries, turn_usage


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_entry(self, **entry: Any) -> bool:
        """Insert a ledger entry; False when the event was already booked (redelivery)."""
        result = await self.session.execute(
            insert(ledger_entries).values(**entry).on_conflict_do_nothing().returning(ledger_entries.c.event_id)
        )
        return result.first() is not None

    async def turn_totals(self, tenant_id: str, turn_id: str) -> dict[str, Any]:
        row = (
            (
                await self.session.execute(
                    select(
                        func.count().filter(ledger_entries.c.kind == "llm").label("llm_calls"),
                        func.count().filter(ledger_entries.c.kind == "tool").label("tool_calls"),
                        func.coalesce(func.sum(ledger_entries.c.input_tokens), 0).label("input_tokens"),
                        func.coalesce(func.sum(ledger_entries.c.output_tokens), 0).label("output_tokens"),
                        func.coalesce(func.sum(ledger_entries.c.cost_usd), 0).label("cost_usd"),
                    ).where(ledger_entries.c.tenant_id == tenant_id, ledger_entries.c.turn_id == turn_id)
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def close_turn(self, tenant_id: str, turn_id: str, conversation_id: str, cost: Decimal) -> bool:
        result = await self.session.execute(
            insert(turn_usage)
            .values(tenant_id=tenant_id, turn_id=turn_id, conversation_id=conversation_id, cost_usd=cost)
            .on_conflict_do_nothing()
            .returning(turn_usage.c.turn_id)
        )
        return result.first() is not None

    async def conversation_entries(self, tenant_id: str, conversation_id: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(ledger_entries)
            .where(ledger_entries.c.tenant_id == tenant_id, ledger_entries.c.conversation_id == conversation_id)
            .order_by(ledger_entries.c.position)
        )
        return [dict(r) for r in rows.mappings()]
