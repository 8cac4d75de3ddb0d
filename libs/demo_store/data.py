"""The demo store's seed data: the same shop for every tenant, and for every simulation unless a suite says
otherwise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

CUSTOMERS: list[dict[str, Any]] = [
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
    {
        # Delivered long ago: outside any "within 30 days" refund procedure (libs/demo_store/procedures/).
        "order_number": "1005",
        "customer_email": "grace@example.com",
        "status": "delivered",
        "total": Decimal("89.00"),
        "currency": "USD",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456799",
        "estimated_delivery": "2026-09-14",
        "items": [{"sku": "SP-09", "name": "Desk speakers", "qty": 1}],
    },
]

# Monthly prices of the plans a subscription can be on.
PLANS: dict[str, Decimal] = {"basic": Decimal("9.00"), "plus": Decimal("19.00"), "pro": Decimal("49.00")}

SUBSCRIPTIONS: list[dict[str, Any]] = [
    {"email": "ada@example.com", "plan": "plus", "status": "active", "renews_on": "2026-12-01"},
    {"email": "alan@example.com", "plan": "pro", "status": "active", "renews_on": "2026-12-15"},
    {"email": "grace@example.com", "plan": "basic", "status": "cancelled", "renews_on": None},
]
