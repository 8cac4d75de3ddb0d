"""The demo store's customers, orders, refunds, address changes and subscriptions (per tenant, seeded when the
tenant is created)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from libs import demo_store
from services.integrations.models import (
    demo_address_changes,
    demo_customers,
    demo_orders,
    demo_refunds,
    demo_subscriptions,
    metadata,
)


@dataclass(frozen=True)
class DemoOrder:
    tenant_id: str
    order_number: str
    customer_email: str
    status: str
    total: Decimal
    currency: str
    refunded: Decimal
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: str | None
    items: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: RowMapping) -> DemoOrder:
        return cls(
            tenant_id=row["tenant_id"],
            order_number=row["order_number"],
            customer_email=row["customer_email"],
            status=row["status"],
            total=Decimal(row["total"]),
            currency=row["currency"],
            refunded=Decimal(row["refunded"]),
            carrier=row["carrier"],
            tracking_number=row["tracking_number"],
            estimated_delivery=row["estimated_delivery"],
            items=row["items"],
        )


@dataclass(frozen=True)
class DemoSubscription:
    tenant_id: str
    email: str
    plan: str
    status: str
    renews_on: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> DemoSubscription:
        return cls(
            tenant_id=row["tenant_id"],
            email=row["email"],
            plan=row["plan"],
            status=row["status"],
            renews_on=row["renews_on"],
        )


class DemoStoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seed(
        self,
        tenant_id: str,
        customers: list[dict[str, Any]],
        orders: list[dict[str, Any]],
        subscriptions: list[dict[str, Any]],
    ) -> None:
        await self.session.execute(
            insert(demo_customers).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **c} for c in customers]
        )
        await self.session.execute(
            insert(demo_orders).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **o} for o in orders]
        )
        await self.session.execute(
            insert(demo_subscriptions).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **s} for s in subscriptions]
        )

    async def order(self, tenant_id: str, order_number: str, *, for_update: bool = False) -> DemoOrder | None:
        query = select(demo_orders).where(
            demo_orders.c.tenant_id == tenant_id, demo_orders.c.order_number == order_number
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return DemoOrder.from_row(row) if row else None

    async def order_count(self, tenant_id: str) -> int:
        query = select(func.count()).select_from(demo_orders).where(demo_orders.c.tenant_id == tenant_id)
        return int((await self.session.execute(query)).scalar_one())

    async def orders_of(self, tenant_id: str, email: str) -> list[DemoOrder]:
        rows = await self.session.execute(
            select(demo_orders)
            .where(demo_orders.c.tenant_id == tenant_id, demo_orders.c.customer_email == email.lower())
            .order_by(demo_orders.c.order_number)
        )
        return [DemoOrder.from_row(r) for r in rows.mappings()]

    async def refund(
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

    async def change_address(self, tenant_id: str, change_id: str, order_number: str, address: str) -> None:
        await self.session.execute(
            demo_address_changes.insert().values(
                tenant_id=tenant_id, change_id=change_id, order_number=order_number, address=address
            )
        )

    async def address_changes(self, tenant_id: str) -> int:
        """How many address changes the tenant's shop has recorded."""
        query = (
            select(func.count()).select_from(demo_address_changes).where(demo_address_changes.c.tenant_id == tenant_id)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def subscription(self, tenant_id: str, email: str) -> DemoSubscription | None:
        row = (
            (
                await self.session.execute(
                    select(demo_subscriptions).where(
                        demo_subscriptions.c.tenant_id == tenant_id, demo_subscriptions.c.email == email.lower()
                    )
                )
            )
            .mappings()
            .first()
        )
        return DemoSubscription.from_row(row) if row else None

    async def change_plan(self, tenant_id: str, email: str, plan: str) -> None:
        await self.session.execute(
            update(demo_subscriptions)
            .where(demo_subscriptions.c.tenant_id == tenant_id, demo_subscriptions.c.email == email.lower())
            .values(plan=plan)
        )


async def add_demo_subscriptions(conn: AsyncConnection) -> None:
    """Schema v3: the demo store's subscriptions; tenants seeded before it get the demo subscriptions too."""
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=[demo_subscriptions]))
    tenants = (await conn.execute(select(demo_customers.c.tenant_id).distinct())).scalars().all()
    rows = [{"tenant_id": t, **s} for t in tenants for s in demo_store.subscriptions()]
    if rows:
        await conn.execute(insert(demo_subscriptions).on_conflict_do_nothing(), rows)


async def add_demo_address_changes(conn: AsyncConnection) -> None:
    """Schema v4: address changes of the demo orders; tenants seeded before it get the demo orders added since."""
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=[demo_address_changes]))
    tenants = (await conn.execute(select(demo_customers.c.tenant_id).distinct())).scalars().all()
    rows = [{"tenant_id": t, **o} for t in tenants for o in demo_store.orders()]
    if rows:
        await conn.execute(insert(demo_orders).on_conflict_do_nothing(), rows)
