"""The demo store on the integrations service's database: the shop's rules (``libs/demo_store``) over this
tenant's tables, inside the executing transaction, so a tool's effect, its audit record and its result event commit
together: a redelivered request can never refund twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from libs import demo_store
from libs.demo_store import Order, StoreError, Subscription
from services.integrations.errors import ToolError
from services.integrations.repository import DemoOrder, DemoStoreRepository, DemoSubscription
from services.integrations.tools.call import ToolCall


def _order(row: DemoOrder) -> Order:
    return Order(
        order_number=row.order_number,
        customer_email=row.customer_email,
        status=row.status,
        total=row.total,
        currency=row.currency,
        refunded=row.refunded,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        estimated_delivery=row.estimated_delivery,
        items=row.items,
    )


def _subscription(row: DemoSubscription) -> Subscription:
    return Subscription(email=row.email, plan=row.plan, status=row.status, renews_on=row.renews_on)


class TenantShop:
    """One tenant's copy of the shop, as the shop's rules see it (``libs.demo_store.DemoStore``)."""

    def __init__(self, repo: DemoStoreRepository, tenant_id: str) -> None:
        self._repo = repo
        self._tenant_id = tenant_id

    async def order(self, order_number: str, *, for_update: bool = False) -> Order | None:
        row = await self._repo.order(self._tenant_id, order_number, for_update=for_update)
        return _order(row) if row else None

    async def orders_of(self, email: str) -> list[Order]:
        return [_order(r) for r in await self._repo.orders_of(self._tenant_id, email)]

    async def record_refund(
        self, refund_id: str, order_number: str, amount: Decimal, reason: str | None, idempotency_key: str
    ) -> None:
        await self._repo.refund(self._tenant_id, refund_id, order_number, amount, reason, idempotency_key)

    async def subscription(self, email: str) -> Subscription | None:
        row = await self._repo.subscription(self._tenant_id, email)
        return _subscription(row) if row else None

    async def change_plan(self, email: str, plan: str) -> None:
        await self._repo.change_plan(self._tenant_id, email, plan)

    async def record_address_change(self, change_id: str, order_number: str, address: str) -> None:
        await self._repo.change_address(self._tenant_id, change_id, order_number, address)


async def seed(repo: DemoStoreRepository, tenant_id: str) -> None:
    """The tenant's copy of the shop, dated from today (the day the tenant is created)."""
    await repo.seed(tenant_id, demo_store.CUSTOMERS, demo_store.orders(), demo_store.subscriptions())


async def execute(call: ToolCall) -> dict[str, Any]:
    """One demo store tool; its effect is written in the execution's own transaction."""
    shop = TenantShop(DemoStoreRepository(call.session), call.tenant_id)
    request = call.request
    try:
        return await demo_store.run_tool(shop, request.tool, request.arguments, request.idempotency_key, call.dry_run)
    except StoreError as exc:
        raise ToolError(exc.kind, exc.message) from exc
