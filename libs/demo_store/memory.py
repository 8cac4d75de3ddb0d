"""A copy of the demo store in memory: what a simulation's agent acts on, and what its expectations inspect."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from libs.demo_store import data
from libs.demo_store.shop import Order, Subscription

CENTS = Decimal("0.01")


def _money(value: object) -> Decimal:
    """As the live store's ``NUMERIC(12, 2)`` columns keep it."""
    return Decimal(str(value)).quantize(CENTS)


class MemoryDemoStore:
    """One shop, seeded from ``orders`` and ``subscriptions`` (unless given, the demo data dated from today)."""

    def __init__(
        self, orders: list[dict[str, Any]] | None = None, subscriptions: list[dict[str, Any]] | None = None
    ) -> None:
        self._orders = {
            str(o["order_number"]): Order(
                order_number=str(o["order_number"]),
                customer_email=str(o["customer_email"]).lower(),
                status=str(o["status"]),
                total=_money(o["total"]),
                currency=str(o.get("currency", "USD")),
                refunded=_money(o.get("refunded", "0")),
                carrier=o.get("carrier"),
                tracking_number=o.get("tracking_number"),
                estimated_delivery=o.get("estimated_delivery"),
                items=list(o.get("items", [])),
            )
            for o in (data.orders() if orders is None else orders)
        }
        self._subscriptions = {
            str(s["email"]).lower(): Subscription(
                email=str(s["email"]).lower(),
                plan=str(s["plan"]),
                status=str(s.get("status", "active")),
                renews_on=s.get("renews_on"),
            )
            for s in (data.subscriptions() if subscriptions is None else subscriptions)
        }
        self.refunds: list[dict[str, Any]] = []
        self.address_changes: list[dict[str, Any]] = []
        self.writes = 0  # every change made, for "nothing was written" checks

    async def order(self, order_number: str, *, for_update: bool = False) -> Order | None:  # noqa: ARG002
        return self._orders.get(order_number)

    async def orders_of(self, email: str) -> list[Order]:
        return sorted((o for o in self._orders.values() if o.customer_email == email), key=lambda o: o.order_number)

    async def record_refund(
        self, refund_id: str, order_number: str, amount: Decimal, reason: str | None, idempotency_key: str
    ) -> None:
        if any(r["idempotency_key"] == idempotency_key for r in self.refunds):
            return  # the database's unique key: a repeated request refunds once
        order = self._orders[order_number]
        self._orders[order_number] = replace(order, refunded=_money(order.refunded + amount), status="refunded")
        self.refunds.append(
            {
                "refund_id": refund_id,
                "order_number": order_number,
                "amount": str(amount),
                "reason": reason,
                "idempotency_key": idempotency_key,
            }
        )
        self.writes += 1

    async def subscription(self, email: str) -> Subscription | None:
        return self._subscriptions.get(email)

    async def change_plan(self, email: str, plan: str) -> None:
        self._subscriptions[email] = replace(self._subscriptions[email], plan=plan)
        self.writes += 1

    async def record_address_change(self, change_id: str, order_number: str, address: str) -> None:
        self.address_changes.append({"change_id": change_id, "order_number": order_number, "address": address})
        self.writes += 1

    def snapshot(self) -> dict[str, Any]:
        """The shop's state as plain data: orders and subscriptions by key, and the refunds made."""
        return {
            "orders": {
                n: {"status": o.status, "total": str(o.total), "refunded": str(o.refunded), "currency": o.currency}
                for n, o in sorted(self._orders.items())
            },
            "subscriptions": {
                e: {"plan": s.plan, "status": s.status, "renews_on": s.renews_on}
                for e, s in sorted(self._subscriptions.items())
            },
            "refunds": [{k: v for k, v in r.items() if k != "idempotency_key"} for r in self.refunds],
        }
