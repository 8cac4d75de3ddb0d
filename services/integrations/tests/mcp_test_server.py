"""A small MCP server for the tests: run as a script it speaks stdio; ``http_app(token)`` serves streamable HTTP
behind a bearer token. Its tools keep per-process state so a test can see whether a call really happened."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

server = MCPServer("orders-mcp")
CANCELLED: list[str] = []


@server.tool(
    name="orders.lookup",
    description="Look up an order by number.",
    annotations=ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True),
)
def lookup(order_number: str) -> dict[str, Any]:
    return {"order_number": order_number, "status": "shipped", "region": os.environ.get("ORDERS_REGION", "none")}


@server.tool(
    name="orders.cancel",
    description="Cancel an order. Irreversible.",
    annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
)
def cancel(order_number: str, reason: str = "") -> dict[str, Any]:
    if order_number == "0":
        raise ToolError("order 0 cannot be cancelled")
    CANCELLED.append(order_number)
    if log := os.environ.get("ORDERS_LOG"):  # a stdio server lives for one call: record effects in a file
        with open(log, "a") as f:
            f.write(f"{order_number}\n")
    return {"cancelled": order_number, "count": len(CANCELLED)}


@server.tool(name="cancelled_orders", description="Orders cancelled by this server process.")
def cancelled_orders() -> dict[str, Any]:
    return {"orders": list(CANCELLED)}


def offer_refunds() -> None:
    """A new tool appears (a deploy of the server): clients see it when they list the tools again."""

    @server.tool(
        name="orders.refund",
        description="Refund an order.",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
    )
    def refund(order_number: str) -> dict[str, Any]:
        return {"refunded": order_number}


def offer_slow_cancel() -> None:
    """A destructive tool that acts, then takes too long to answer."""

    @server.tool(
        name="orders.slow_cancel",
        description="Cancel an order, slowly.",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
    )
    async def slow_cancel(order_number: str) -> dict[str, Any]:
        CANCELLED.append(order_number)
        await asyncio.sleep(30)
        return {"cancelled": order_number}


if os.path.exists(os.environ.get("ORDERS_FEATURES", "/nonexistent")):  # a stdio server: decided at start
    offer_refunds()


def http_app(token: str) -> Any:
    inner = server.streamable_http_app()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                await send(
                    {"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await inner(scope, receive, send)

    return app


if __name__ == "__main__":
    print("orders-mcp starting", file=sys.stderr)
    server.run("stdio")
