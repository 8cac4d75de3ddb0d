"""The demo store's side of a write tool: the refunds it made, and the demo procedure that would ask first."""

from __future__ import annotations

import asyncpg
import httpx2

from tests.faultkit.platform import Up


async def refunds_made(up: Up, keys: set[str]) -> list[str]:
    """The idempotency keys of ``keys`` that the demo store holds a refund row for (one per row: a key twice is a
    refund made twice)."""
    url = up.env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT idempotency_key FROM integrations.demo_refunds WHERE tenant_id = $1 AND idempotency_key = ANY($2)",
            up.tenant_id,
            list(keys),
        )
    finally:
        await conn.close()
    return [r["idempotency_key"] for r in rows]


async def without_the_refund_procedure(up: Up) -> None:
    """The demo's refund procedure asks the customer to confirm first; a fault test wants one message, one refund."""
    async with httpx2.AsyncClient(base_url=up.base, headers=up.headers, timeout=30) as http:
        r = await http.delete("/v1/agent/procedures/refund-within-30-days")
        assert r.status_code in (200, 204, 404), r.text
