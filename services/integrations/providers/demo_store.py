"""The demo store's tool handlers and seed data. Runs inside the executing transaction, so a tool's effect, its
audit record and its result event commit together: a redelivered request can never refund twice."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from libs.events import new_id
from services.integrations.errors import ToolError
from services.integrations.repository import DemoOrder, DemoStoreRepository
from services.integrations.tools.call import ToolCall

CUSTOMERS = [
    {"email": "ada@example.com", "name": "Ada Lovelace"},
    {"email": "alan@example.com", "name": "Alan Turing"},
    {"email": "grace@example.com", "name": "Grace Hopper"},
]

ORDERS: list[dict[str, Any]] = [
    {
        "order_number": "1001",
        "customer_email": "ada@example.com",
        "status": "shipped",
        "total": Decimal("129.90"),
        "currency": "USD",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "estimated_delivery": "2026-11-27",
        "items": [{"sku": "KB-01", "name": "Mechanical keyboard", "qty": 1}],
    },
    {
        "order_number": "1002",
        "customer_email": "ada@example.com",
        "status": "processing",
        "total": Decimal("24.50"),
        "currency": "USD",
        "carrier": None,
        "tracking_number": None,
        "estimated_delivery": "2026-12-02",
        "items": [{"sku": "MP-02", "name": "Mouse pad", "qty": 2}],
    },
    {
        "order_number": "1003",
        "customer_email": "alan@example.com",
        "status": "delivered",
        "total": Decimal("349.00"),
        "currency": "USD",
        "carrier": "DHL",
        "tracking_number": "JD014600006251879210",
        "estimated_delivery": "2026-11-20",
        "items": [{"sku": "MN-27", "name": "27-inch monitor", "qty": 1}],
    },
    {
        "order_number": "1004",
        "customer_email": "grace@example.com",
        "status": "cancelled",
        "total": Decimal("59.00"),
        "currency": "USD",
        "carrier": None,
        "tracking_number": None,
        "estimated_delivery": None,
        "items": [{"sku": "HD-05", "name": "Headset", "qty": 1}],
    },
]


async def seed(repo: DemoStoreRepository, tenant_id: str) -> None:
    await repo.seed(tenant_id, CUSTOMERS, ORDERS)


def _order_view(order: DemoOrder) -> dict[str, Any]:
    return {
        "order_number": order.order_number,
        "status": order.status,
        "total": str(order.total),
        "refunded": str(order.refunded),
        "currency": order.currency,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "estimated_delivery": order.estimated_delivery,
        "items": order.items,
    }


def _status_sentence(order: DemoOrder) -> str:
    n, status = order.order_number, order.status
    if status == "shipped":
        return (
            f"Order #{n} has shipped with {order.carrier} (tracking {order.tracking_number}) and should "
            f"arrive by {order.estimated_delivery}."
        )
    if status == "delivered":
        return f"Order #{n} was delivered by {order.carrier} on {order.estimated_delivery}."
    if status == "processing":
        return f"Order #{n} is being prepared; it should ship soon and arrive by {order.estimated_delivery}."
    return f"Order #{n} is {status}."


async def get_order_status(repo: DemoStoreRepository, tenant_id: str, args: dict[str, Any]) -> dict[str, Any]:
    order = await repo.order(tenant_id, str(args["order_number"]))
    if order is None:
        raise ToolError("not_found", f"there is no order #{args['order_number']}")
    return {**_order_view(order), "summary": _status_sentence(order)}


async def list_customer_orders(repo: DemoStoreRepository, tenant_id: str, args: dict[str, Any]) -> dict[str, Any]:
    orders = await repo.orders_of(tenant_id, str(args["email"]))
    numbers = ", ".join(f"#{o.order_number} ({o.status})" for o in orders) or "none"
    return {"orders": [_order_view(o) for o in orders], "summary": f"Orders for {args['email']}: {numbers}."}


async def refund_order(
    repo: DemoStoreRepository, tenant_id: str, args: dict[str, Any], idempotency_key: str, dry_run: bool
) -> dict[str, Any]:
    order = await repo.order(tenant_id, str(args["order_number"]), for_update=True)
    if order is None:
        raise ToolError("not_found", f"there is no order #{args['order_number']}")
    remaining = order.total - order.refunded
    try:
        amount = Decimal(str(args["amount"])) if "amount" in args else remaining
    except InvalidOperation as exc:
        raise ToolError("invalid_arguments", "amount must be a number") from exc
    if amount <= 0 or amount > remaining:
        raise ToolError("permanent", f"refund must be between 0 and {remaining} {order.currency}")
    refund_id = new_id("re")
    if not dry_run:
        await repo.refund(tenant_id, refund_id, order.order_number, amount, args.get("reason"), idempotency_key)
    verb = "Would refund" if dry_run else "Refunded"
    return {
        "refund_id": refund_id,
        "order_number": order.order_number,
        "amount": str(amount),
        "currency": order.currency,
        "summary": f"{verb} {amount} {order.currency} on order #{order.order_number}.",
    }


async def execute(call: ToolCall) -> dict[str, Any]:
    """One demo store tool; its effect is written in the execution's own transaction."""
    repo, tenant_id, request = DemoStoreRepository(call.session), call.tenant_id, call.request
    match request.tool:
        case "get_order_status":
            return await get_order_status(repo, tenant_id, request.arguments)
        case "list_customer_orders":
            return await list_customer_orders(repo, tenant_id, request.arguments)
        case "refund_order":
            return await refund_order(repo, tenant_id, request.arguments, request.idempotency_key, call.dry_run)
        case _:
            raise ToolError("unknown_tool", f"{request.tool} has no handler")
