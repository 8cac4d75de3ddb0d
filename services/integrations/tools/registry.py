"""Which handlers run each built-in integration's tools: one entry per manifest name, the demo store included.

A test checks that every built-in manifest has an entry here and every entry a manifest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from services.integrations.manifest import Manifest, builtin_manifests
from services.integrations.providers import demo_store, hubspot, shopify, stripe, zendesk
from services.integrations.tools.call import ToolCall
from services.integrations.tools.remotes import Remotes

Result = dict[str, Any]


@dataclass(frozen=True)
class OwnDatabaseTools:
    """Tools whose data is in our own database (the demo store). They run inside the execution's transaction, so
    their effect commits with the result and a redelivery cannot repeat it; nothing leaves, so nothing is
    journalled, and they answer dry-run themselves."""

    run: Callable[[ToolCall], Awaitable[Result]]


@dataclass(frozen=True)
class ProviderTools:
    """Tools that call a third party's API. Each call is journalled right before it leaves; in dry-run a write is
    only described, with the exact would-be request where ``describe_write`` can build it."""

    run: Callable[[ToolCall, Remotes], Awaitable[Result]]
    describe_write: Callable[[ToolCall], Result] | None = None


Handlers = OwnDatabaseTools | ProviderTools

REGISTRY: dict[str, Handlers] = {
    "demo_store": OwnDatabaseTools(demo_store.execute),
    "hubspot": ProviderTools(lambda call, remotes: hubspot.execute(remotes.oauth, call)),
    "shopify": ProviderTools(lambda call, remotes: shopify.execute(remotes.oauth, call)),
    "stripe": ProviderTools(
        lambda call, remotes: stripe.execute(remotes.vault, call, remotes.mcp.destinations),
        describe_write=stripe.describe,
    ),
    "zendesk": ProviderTools(lambda call, remotes: zendesk.execute(remotes.oauth, call)),
}


@cache
def _tool_index() -> dict[str, Manifest]:
    """The built-in manifest of each tool name (built once: the manifests are fixed for the process)."""
    return {tool.name: m for m in builtin_manifests().values() for tool in m.tools}


def manifest_of(tool: str) -> Manifest | None:
    """The built-in integration offering ``tool``; None for a tenant's MCP tool or an unknown name."""
    return _tool_index().get(tool)
