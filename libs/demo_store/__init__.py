"""The built-in demo store, shared by the integrations service (a copy per tenant in its database) and simulations
(a copy in memory per run).

Why a library and not part of the integrations service: a simulation suite's expectations about the shop ("order
#1003 is not refunded") must hold for the live demo too, so both run the same rules on the same data, and the agent
service may not import another service. Nothing here does I/O besides reading the manifest file next to it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from libs.demo_store.data import CUSTOMERS, PLANS, orders, subscriptions
from libs.demo_store.memory import MemoryDemoStore
from libs.demo_store.shop import DemoStore, Order, StoreError, Subscription, run_tool
from libs.events import ToolSpec

MANIFEST_PATH = Path(__file__).parent / "manifest.yaml"
"""The demo store's integration manifest; the integrations service loads it with its other built-in manifests."""

PROCEDURES_DIR = Path(__file__).parent / "procedures"
"""The demo store's procedures (docs/procedures.md), which ``deskpilot up`` gives to the demo tenant."""

NAME = "demo_store"
SERVICE = "integrations"  # the service that runs the demo store's tools on the live platform


@cache
def tool_specs() -> tuple[ToolSpec, ...]:
    """The demo store's tools as the agent sees them in a tenant's catalog."""
    manifest = yaml.safe_load(MANIFEST_PATH.read_text())
    return tuple(
        ToolSpec(
            name=t["name"],
            description=t["description"],
            input_schema=t["input_schema"],
            risk=t["risk"],
            service=SERVICE,
            integration=NAME,
        )
        for t in manifest["tools"]
    )


__all__ = [
    "CUSTOMERS",
    "MANIFEST_PATH",
    "NAME",
    "PLANS",
    "DemoStore",
    "MemoryDemoStore",
    "Order",
    "StoreError",
    "Subscription",
    "orders",
    "run_tool",
    "subscriptions",
    "tool_specs",
]


def procedure_sources() -> dict[str, str]:
    """The demo procedures' YAML texts by file name."""
    return {p.name: p.read_text() for p in sorted(PROCEDURES_DIR.glob("*.yaml"))}
