"""Shopify tools over the GraphQL Admin API, with the tenant's (expiring, refreshed) offline access token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.errors import ToolError
from services.integrations.manifest import Manifest
from services.integrations.oauth.api import with_token
from services.integrations.oauth.connections import HTTP_TIMEOUT, OAuthConnections
from services.integrations.tools.call import ToolCall

API_VERSION = "2025-10"
GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"

ORDER_STATUS_QUERY = """
query OrderStatus($query: String!) {
  orders(first: 1, query: $query) {
    nodes {
      id
      name
      displayFinancialStatus
      displayFulfillmentStatus
      fulfillments(first: 10) {
        status
        trackingInfo(first: 5) { company number url }
      }
    }
  }
}
"""


async def _graphql(
    oauth: OAuthConnections,
    session: AsyncSession,
    tenant_id: str,
    manifest: Manifest,
    conn_params: dict[str, str],
    query: str,
    variables: dict[str, Any],
    before_send: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """One GraphQL request with the shop's token (refresh on 401 and revocation: ``remote.with_token``)."""
    _, _, base = oauth.endpoints(manifest, conn_params)

    async def send(token: str) -> httpx2.Response:
        async with httpx2.AsyncClient(base_url=base, timeout=HTTP_TIMEOUT) as client:
            return await client.post(
                GRAPHQL_PATH,
                json={"query": query, "variables": variables},
                headers={"X-Shopify-Access-Token": token},
            )

    return _check(await with_token(oauth, session, tenant_id, manifest, send, repeatable=True, before_send=before_send))


def _check(response: httpx2.Response) -> dict[str, Any]:
    """The ``data`` of a GraphQL answer, or a typed failure (THROTTLED and 429/5xx are transient)."""
    if response.status_code == 429 or response.status_code >= 500:
        raise ToolError("transient", f"Shopify answered {response.status_code}; try again shortly")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict):
        raise ToolError("permanent", f"Shopify refused the request ({response.status_code})")
    errors = body.get("errors")
    if errors:
        listed: list[Any] = errors if isinstance(errors, list) else [{"message": str(errors)}]
        codes = {str((e.get("extensions") or {}).get("code", "")) for e in listed if isinstance(e, dict)}
        if "THROTTLED" in codes:
            cost = (body.get("extensions") or {}).get("cost") or {}
            status = cost.get("throttleStatus") or {}
            wait = ""
            requested, available = cost.get("requestedQueryCost"), status.get("currentlyAvailable")
            rate = status.get("restoreRate")
            if isinstance(requested, int | float) and isinstance(available, int | float) and rate:
                wait = f"; about {max(0.0, (requested - available) / rate):.1f}s until enough query cost restores"
            raise ToolError("transient", f"Shopify throttled the query (cost limit){wait}")
        messages = "; ".join(str(e.get("message", "")) for e in listed if isinstance(e, dict))
        raise ToolError("permanent", f"Shopify rejected the query: {messages}"[:500])
    data = body.get("data")
    if not isinstance(data, dict):
        raise ToolError("permanent", "Shopify answered without data")
    return data


def _order_view(order: dict[str, Any]) -> dict[str, Any]:
    shipments = [
        {"status": f.get("status"), "tracking": [
            {"company": t.get("company"), "number": t.get("number"), "url": t.get("url")}
            for t in f.get("trackingInfo") or []
        ]}
        for f in order.get("fulfillments") or []
    ]  # fmt: skip
    return {
        "id": order.get("id"),
        "order_name": order.get("name"),
        "financial_status": order.get("displayFinancialStatus"),
        "fulfillment_status": order.get("displayFulfillmentStatus"),
        "fulfillments": shipments,
    }


async def execute(oauth: OAuthConnections, call: ToolCall) -> dict[str, Any]:
    tool, args, params = call.request.tool, call.request.arguments, call.params
    session, tenant_id, manifest = call.session, call.tenant_id, call.manifest
    if tool == "shopify_get_order_status":
        name = "#" + str(args["order_name"]).lstrip("#")
        variables = {"query": f'name:"{name}"'}
        data = await _graphql(
            oauth, session, tenant_id, manifest, params, ORDER_STATUS_QUERY, variables, call.before_send
        )
        nodes = ((data.get("orders") or {}).get("nodes")) or []
        match = next((n for n in nodes if isinstance(n, dict) and n.get("name") == name), None)
        if match is None:
            raise ToolError("not_found", f"there is no Shopify order {name}")
        view = _order_view(match)
        tracking = [t["number"] for f in view["fulfillments"] for t in f["tracking"] if t["number"]]
        summary = (
            f"Shopify order {name}: payment {view['financial_status']}, fulfillment {view['fulfillment_status']}"
            + (f", tracking {', '.join(tracking)}." if tracking else ".")
        )
        return {**view, "summary": summary}
    raise ToolError("unknown_tool", f"{tool} has no handler")
