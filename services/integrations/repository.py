"""Every SQL statement of the integrations service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import (
    audit_log,
    connections,
    demo_customers,
    demo_orders,
    demo_refunds,
    tool_executions,
)


class IntegrationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # connections --------------------------------------------------------------------------------------------

    async def connect(self, tenant_id: str, integration: str, mode: str = "live") -> None:
        await self.session.execute(
            insert(connections)
            .values(tenant_id=tenant_id, integration=integration, status="active", mode=mode)
            .on_conflict_do_nothing()
        )

    async def set_mode(self, tenant_id: str, integration: str, mode: str) -> bool:
        result = await self.session.execute(
            update(connections)
            .where(connections.c.tenant_id == tenant_id, connections.c.integration == integration)
            .values(mode=mode)
            .returning(connections.c.integration)
        )
        return result.first() is not None

    async def connection(self, tenant_id: str, integration: str) -> dict[str, Any] | None:
        row = (
            (
                await self.session.execute(
                    select(connections).where(
                        connections.c.tenant_id == tenant_id, connections.c.integration == integration
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def active_integrations(self, tenant_id: str) -> list[str]:
        rows = await self.session.execute(
            select(connections.c.integration).where(
                connections.c.tenant_id == tenant_id, connections.c.status == "active"
            )
        )
        return list(rows.scalars())

    # once-only execution and audit ----------------------------------------------------------------------------

    async def claim(
        self, tenant_id: str, tool_call_id: str, request_event_id: str, conversation_id: str, tool: str
    ) -> bool:
        """Record that this tool call is being executed; False if it already was (a redelivery)."""
        result = await self.session.execute(
            insert(tool_executions)
            .values(
                tenant_id=tenant_id,
                tool_call_id=tool_call_id,
                request_event_id=request_event_id,
                conversation_id=conversation_id,
                tool=tool,
                status="running",
            )
            .on_conflict_do_nothing()
            .returning(tool_executions.c.tool_call_id)
        )
        return result.first() is not None

    async def finish(self, tenant_id: str, tool_call_id: str, status: str) -> None:
        await self.session.execute(
            update(tool_executions)
            .where(tool_executions.c.tenant_id == tenant_id, tool_executions.c.tool_call_id == tool_call_id)
            .values(status=status)
        )

    async def audit(self, **row: Any) -> None:
        await self.session.execute(audit_log.insert().values(**row))

    async def audit_entries(self, tenant_id: str, conversation_id: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.tenant_id == tenant_id)
        if conversation_id:
            query = query.where(audit_log.c.conversation_id == conversation_id)
        query = query.order_by(audit_log.c.id.desc()).limit(limit)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    # the demo store -------------------------------------------------------------------------------------------

    async def seed_demo_store(
        self, tenant_id: str, customers: list[dict[str, Any]], orders: list[dict[str, Any]]
    ) -> None:
        await self.session.execute(
            insert(demo_customers).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **c} for c in customers]
        )
        await self.session.execute(
            insert(demo_orders).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **o} for o in orders]
        )

    async def demo_order(self, tenant_id: str, order_number: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(demo_orders).where(
            demo_orders.c.tenant_id == tenant_id, demo_orders.c.order_number == order_number
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def demo_orders_of(self, tenant_id: str, email: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(demo_orders)
            .where(demo_orders.c.tenant_id == tenant_id, demo_orders.c.customer_email == email.lower())
            .order_by(demo_orders.c.order_number)
        )
        return [dict(r) for r in rows.mappings()]

    async def demo_refund(
        self, tenant_id: str, refund_id: str, order_number: str, amount: Decimal, reason: str | None, key: str
    ) -> None:
        await self.session.execute(
            demo_refunds.insert().values(
                tenant_id=tenant_id,
                refund_id=refund_id,
                order_number=order_number,
                amount=amount,
                reason=reason,
                idempotency_key=key,
            )
        )
        await self.session.execute(
            update(demo_orders)
            .where(demo_orders.c.tenant_id == tenant_id, demo_orders.c.order_number == order_number)
            .values(refunded=demo_orders.c.refunded + amount, status="refunded")
        )
