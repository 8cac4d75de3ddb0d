"""The demo store's rules: what each of its tools does, over any storage that keeps its records.

The integrations service runs them on its PostgreSQL tables, inside the tool execution's transaction (a refund, its
audit record and its result event commit together); a simulation runs them on :class:`~.memory.MemoryDemoStore`.
One set of rules, so a suite's expectations about the shop hold for the live demo as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from libs.demo_store.data import PLANS
from libs.events import new_id

Result = dict[str, Any]
ErrorKind = Literal["not_found", "invalid_arguments", "permanent", "unknown_tool"]


class StoreError(Exception):
    """A tool call the shop refuses, with a kind the agent's ``tool.failed`` understands."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message


@dataclass(frozen=True)
class Order:
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


@dataclass(frozen=True)
class Subscription:
    email: str
    plan: str
    status: str
    renews_on: str | None


class DemoStore(Protocol):
    """One tenant's (or one simulation's) copy of the shop."""

    async def order(self, order_number: str, *, for_update: bool = False) -> Order | None: ...

    async def orders_of(self, email: str) -> list[Order]: ...

    async def record_refund(
        self, refund_id: str, order_number: str, amount: Decimal, reason: str | None, idempotency_key: str
    ) -> None: ...

    async def subscription(self, email: str) -> Subscription | None: ...

    async def change_plan(self, email: str, plan: str) -> None: ...

    async def record_address_change(self, change_id: str, order_number: str, address: str) -> None: ...


def order_view(order: Order) -> Result:
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


def _status_sentence(order: Order) -> str:
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


async def get_order_status(store: DemoStore, args: dict[str, Any]) -> Result:
    order = await store.order(str(args["order_number"]))
    if order is None:
        raise StoreError("not_found", f"there is no order #{args['order_number']}")
    return {**order_view(order), "summary": _status_sentence(order)}


async def list_customer_orders(store: DemoStore, args: dict[str, Any]) -> Result:
    orders = await store.orders_of(str(args["email"]).lower())
    numbers = ", ".join(f"#{o.order_number} ({o.status})" for o in orders) or "none"
    return {"orders": [order_view(o) for o in orders], "summary": f"Orders for {args['email']}: {numbers}."}


async def refund_order(store: DemoStore, args: dict[str, Any], idempotency_key: str, dry_run: bool) -> Result:
    order = await store.order(str(args["order_number"]), for_update=True)
    if order is None:
        raise StoreError("not_found", f"there is no order #{args['order_number']}")
    remaining = order.total - order.refunded
    try:
        amount = Decimal(str(args["amount"])) if "amount" in args else remaining
    except InvalidOperation as exc:
        raise StoreError("invalid_arguments", "amount must be a number") from exc
    if amount <= 0 or amount > remaining:
        raise StoreError("permanent", f"refund must be between 0 and {remaining} {order.currency}")
    refund_id = new_id("re")
    if not dry_run:
        await store.record_refund(refund_id, order.order_number, amount, args.get("reason"), idempotency_key)
    verb = "Would refund" if dry_run else "Refunded"
    return {
        "refund_id": refund_id,
        "order_number": order.order_number,
        "amount": str(amount),
        "currency": order.currency,
        "summary": f"{verb} {amount} {order.currency} on order #{order.order_number}.",
    }


async def change_shipping_address(store: DemoStore, args: dict[str, Any], dry_run: bool) -> Result:
    order = await store.order(str(args["order_number"]), for_update=True)
    if order is None:
        raise StoreError("not_found", f"there is no order #{args['order_number']}")
    if order.status != "processing":
        raise StoreError(
            "permanent", f"order #{order.order_number} is {order.status}; its address can no longer change"
        )
    address = " ".join(str(args["address"]).split())
    change_id = new_id("adr")
    if not dry_run:
        await store.record_address_change(change_id, order.order_number, address)
    verb = "Would change" if dry_run else "Changed"
    return {
        "change_id": change_id,
        "order_number": order.order_number,
        "address": address,
        "summary": f"{verb} the shipping address of order #{order.order_number} to {address}.",
    }


def _subscription_view(sub: Subscription) -> Result:
    return {
        "email": sub.email,
        "plan": sub.plan,
        "monthly_price": str(PLANS[sub.plan]),
        "currency": "USD",
        "status": sub.status,
        "renews_on": sub.renews_on,
    }


async def get_subscription(store: DemoStore, args: dict[str, Any]) -> Result:
    sub = await store.subscription(str(args["email"]).lower())
    if sub is None:
        raise StoreError("not_found", f"there is no subscription for {args['email']}")
    renewal = f", renewing on {sub.renews_on}" if sub.renews_on else ""
    summary = f"{sub.email} is on the {sub.plan} plan ({PLANS[sub.plan]} USD a month), {sub.status}{renewal}."
    return {**_subscription_view(sub), "summary": summary}


async def change_subscription(store: DemoStore, args: dict[str, Any], dry_run: bool) -> Result:
    email, plan = str(args["email"]).lower(), str(args["plan"])
    if plan not in PLANS:
        raise StoreError("invalid_arguments", f"there is no plan {plan!r}; plans: {', '.join(PLANS)}")
    sub = await store.subscription(email)
    if sub is None:
        raise StoreError("not_found", f"there is no subscription for {email}")
    if sub.status != "active":
        raise StoreError("permanent", f"the subscription of {email} is {sub.status}; it cannot change plan")
    if sub.plan == plan:
        raise StoreError("permanent", f"{email} is already on the {plan} plan")
    if not dry_run:
        await store.change_plan(email, plan)
    verb = "Would change" if dry_run else "Changed"
    return {
        "email": email,
        "previous_plan": sub.plan,
        "plan": plan,
        "monthly_price": str(PLANS[plan]),
        "effective_on": sub.renews_on,
        "summary": f"{verb} the subscription of {email} from {sub.plan} to {plan} ({PLANS[plan]} USD a month), "
        f"effective on {sub.renews_on}.",
    }


async def run_tool(store: DemoStore, tool: str, args: dict[str, Any], idempotency_key: str, dry_run: bool) -> Result:
    """One demo store tool call; raises :class:`StoreError` when the shop refuses it."""
    match tool:
        case "get_order_status":
            return await get_order_status(store, args)
        case "list_customer_orders":
            return await list_customer_orders(store, args)
        case "refund_order":
            return await refund_order(store, args, idempotency_key, dry_run)
        case "change_shipping_address":
            return await change_shipping_address(store, args, dry_run)
        case "get_subscription":
            return await get_subscription(store, args)
        case "change_subscription":
            return await change_subscription(store, args, dry_run)
        case _:
            raise StoreError("unknown_tool", f"{tool} has no handler")
