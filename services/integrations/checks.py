"""Testing a connection: one harmless read at the provider with the stored credentials, so an admin learns at once
whether the integration works, before a customer's conversation finds out.

Each check is the cheapest read the provider offers (Stripe's balance, Zendesk's ``users/me``, one HubSpot contact,
Shopify's shop name, a count of the demo store's orders, an MCP server's tool list). Nothing is written and nothing
is audited (no customer, no conversation); an OAuth token may be refreshed on the way, and a grant the provider
rejects even after a refresh is revoked, as a tool call would find it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx2

from libs.platform.destinations import Destinations
from libs.platform.outbox import UnitOfWork
from services.integrations.errors import ToolError
from services.integrations.manifest import Manifest
from services.integrations.oauth.api import call_api, with_token
from services.integrations.oauth.connections import HTTP_TIMEOUT, OAuthConnections
from services.integrations.providers import stripe
from services.integrations.repository import Connection, DemoStoreRepository
from services.integrations.vault import Vault

# What a failure kind means to the admin who pressed "Test".
OUTCOMES = {"unauthorized": "unauthorized", "transient": "unreachable", "outcome_unknown": "unreachable"}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    outcome: str  # ok | unauthorized | unreachable | error
    detail: str
    latency_ms: float


@dataclass(frozen=True)
class Target:
    uow: UnitOfWork
    tenant_id: str
    manifest: Manifest
    connection: Connection
    oauth: OAuthConnections
    vault: Vault
    destinations: Destinations  # where a tenant's own API base URL may point (the operator's MCP allowance)


def _refused(title: str, response: httpx2.Response) -> ToolError:
    if response.status_code in {401, 403}:
        return ToolError("unauthorized", f"{title} refused the stored credentials ({response.status_code})")
    if response.status_code == 429 or response.status_code >= 500:
        return ToolError("transient", f"{title} answered {response.status_code}; try again shortly")
    return ToolError("permanent", f"{title} answered {response.status_code} to a read that should succeed")


async def _demo_store(t: Target) -> str:
    count = await DemoStoreRepository(t.uow.session).order_count(t.tenant_id)
    return f"The demo store answers: {count} orders on file."


async def _stripe(t: Target) -> str:
    live = await stripe.balance(t.vault, t.uow.session, t.tenant_id, t.manifest, t.connection, t.destinations)
    return f"Stripe accepted the key ({'live' if live else 'test'} mode)."


async def _rest(t: Target, path: str, what: str) -> str:
    response = await call_api(
        t.oauth, t.uow.session, t.tenant_id, t.manifest, t.connection.params, "GET", path, params={"limit": "1"}
    )
    if response.status_code >= 400:
        raise _refused(t.manifest.title, response)
    return f"{t.manifest.title} answered: {what}."


async def _shopify(t: Target) -> str:
    _, _, base = t.oauth.endpoints(t.manifest, t.connection.params)

    async def send(token: str) -> httpx2.Response:
        async with httpx2.AsyncClient(base_url=base, timeout=HTTP_TIMEOUT) as client:
            path = "/admin/api/2025-10/graphql.json"
            return await client.post(
                path, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": token}
            )

    response = await with_token(t.oauth, t.uow.session, t.tenant_id, t.manifest, send, repeatable=True)
    if response.status_code >= 400:
        raise _refused("Shopify", response)
    shop = ((response.json().get("data") or {}).get("shop") or {}).get("name")
    if not shop:
        raise ToolError("permanent", "Shopify answered without the shop's name")
    return f"Shopify answered: the shop is {shop}."


CHECKS: dict[str, Callable[[Target], Awaitable[str]]] = {
    "demo_store": _demo_store,
    "stripe": _stripe,
    "shopify": _shopify,
    "zendesk": lambda t: _rest(t, "/api/v2/users/me.json", "the token's user is readable"),
    "hubspot": lambda t: _rest(t, "/crm/v3/objects/contacts", "contacts are readable"),
}


async def run(check: Callable[[], Awaitable[str]]) -> CheckResult:
    """One check, timed; its failure said in an admin's words."""
    started = time.perf_counter()
    try:
        detail = await check()
    except ToolError as exc:
        outcome = OUTCOMES.get(exc.kind, "error")
        return CheckResult(False, outcome, exc.message, _ms(started))
    return CheckResult(True, "ok", detail, _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
