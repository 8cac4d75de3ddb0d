"""The gateway of ``deskpilot up`` tells the services who the client is (``X-Forwarded-For``), so that what a
service does per client (the web chat's per-address rate limits) is not done per gateway."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx2
import pytest
import uvicorn

from deskpilot.embedded import free_port
from deskpilot.gateway import Gateway
from tests.support import eventually


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An upstream that answers with the client uvicorn saw and the ``X-Forwarded-For`` it was sent."""
    if scope["type"] != "http":
        return
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    body = json.dumps({"client": scope["client"][0], "forwarded_for": headers.get("x-forwarded-for")}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    port = free_port()
    # uvicorn's defaults, as `deskpilot serve` runs a service: X-Forwarded-For trusted from 127.0.0.1
    uv = uvicorn.Server(uvicorn.Config(cast(Any, echo), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(uv.serve())
    await eventually(lambda: asyncio.sleep(0, uv.started), what="the upstream to listen")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        await task


async def test_the_service_sees_the_gateways_client_not_the_gateway(upstream: str) -> None:
    gateway = Gateway({"conversation": upstream})
    for client, sent, expected in [
        ("203.0.113.7", None, "203.0.113.7"),
        # what a client claims is kept in the chain, but the service takes the address the gateway saw
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
    ]:
        transport = httpx2.ASGITransport(app=cast(Any, gateway), client=(client, 50000))
        async with httpx2.AsyncClient(transport=transport, base_url="http://gateway") as http:
            headers = {"X-Forwarded-For": sent} if sent else {}
            r = await http.get("/v1/conversations/chat/x", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["client"] == expected
        assert r.json()["forwarded_for"] == ", ".join(a for a in (sent, client) if a)
