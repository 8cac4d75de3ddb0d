"""The demo store's seed data: the same shop for every tenant, and for every simulation unless a suite says
otherwise.

Its dates are days relative to the day a copy of the store is made (:func:`orders`, :func:`subscriptions`), not
calendar dates: order 1003 was delivered 10 days before, so the refund procedure's "within 30 days" holds for it on
any day the demo or a test runs, and order 1005, delivered 83 days before, stays outside it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

CUSTOMERS: list[dict[str, Any]] = [
    {"email": "ada@example.com", "name": "Ada Lovelace"},
    {"email": "alan@example.com", "name": "Alan Turing"},
    {"email": "grace@example.com", "name": "Grace Hopper"},
]

# Dates as days from the day the store is made (negative: before it); see :func:`orders`.
ORDER_TEMPLATES: list[dict[str, Any]] = [
    {
        "order_number": "1001",
        "customer_email": "ada@example.com",
        "status": "shipped",
        "total": Decimal("129.90"),
        "currency": "USD",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "estimated_delivery": 3,
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
        "estimated_delivery": 8,
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
        "estimated_delivery": -10,
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
    {
        # Delivered 83 days before: outside any "within 30 days" refund procedure (libs/demo_store/procedures/).
        "order_number": "1005",
        "customer_email": "grace@example.com",
        "status": "delivered",
        "total": Decimal("89.00"),
        "currency": "USD",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456799",
        "estimated_delivery": -83,
        "items": [{"sku": "SP-09", "name": "Desk speakers", "qty": 1}],
    },
]

# Monthly prices of the plans a subscription can be on.
PLANS: dict[str, Decimal] = {"basic": Decimal("9.00"), "plus": Decimal("19.00"), "pro": Decimal("49.00")}

SUBSCRIPTION_TEMPLATES: list[dict[str, Any]] = [
    {"email": "ada@example.com", "plan": "plus", "status": "active", "renews_on": 12},
    {"email": "alan@example.com", "plan": "pro", "status": "active", "renews_on": 26},
    {"email": "grace@example.com", "plan": "basic", "status": "cancelled", "renews_on": None},
]


def today() -> date:
    """The day (UTC) a copy of the store made now is dated from."""
    return datetime.now(UTC).date()


def _dated(records: list[dict[str, Any]], field: str, on: date) -> list[dict[str, Any]]:
    return [{**r, field: None if r[field] is None else (on + timedelta(days=r[field])).isoformat()} for r in records]


def orders(on: date | None = None) -> list[dict[str, Any]]:
    """The demo orders as of the day ``on`` (today unless given): delivery dates are ISO dates around it."""
    return _dated(ORDER_TEMPLATES, "estimated_delivery", on or today())


def subscriptions(on: date | None = None) -> list[dict[str, Any]]:
    """The demo subscriptions as of the day ``on`` (today unless given): renewals fall after it."""
    return _dated(SUBSCRIPTION_TEMPLATES, "renews_on", on or today())
