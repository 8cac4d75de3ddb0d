"""The gateway of ``deskpilot up``: it tells the services who the client is (``X-Forwarded-For``), so that what a
service does per client (the web chat's per-address rate limits) is not done per gateway; it forwards the request
target untouched; a service that is down is a 503 with ``Retry-After``; ``/readyz`` names the unready service."""

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
from deskpilot.supervisor import RestartBackoff
from tests.support import eventually


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An upstream that answers with the client uvicorn saw and the ``X-Forwarded-For`` it was sent."""
    if scope["type"] != "http":
        return
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    body = json.dumps(
        {
            "client": scope["client"][0],
            "forwarded_for": headers.get("x-forwarded-for"),
            "raw_path": scope["raw_path"].decode("latin-1"),
            "query_string": scope["query_string"].decode("latin-1"),
        }
    ).encode()
    if scope["path"].endswith("/readyz"):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        return
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


async def call(app: Any, method: str, raw_path: bytes, query: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request to an ASGI app with the target exactly as given (an HTTP client would normalise it)."""
    scope = {
        "type": "http",
        "method": method,
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": query,
        "headers": [(b"host", b"gateway")],
        "client": ("203.0.113.7", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (b"/v1/knowledge/articles/x%2F..%2F..%2Fcollections", b""),
        (b"/v1/knowledge/articles/a1%3Fz=1", b""),
        (b"/v1/conversations/%3Fx/events", b"a=%00&b=%2F"),
        (b"/v1/conversations/../billing/plan", b""),
        (b"/v1/conversations/c%08", b""),
    ],
)
async def test_the_target_reaches_the_service_untouched(upstream: str, path: bytes, query: bytes) -> None:
    gateway = Gateway({"conversation": upstream, "knowledge": upstream})
    status, _, body = await call(gateway, "GET", path, query)
    assert status == 200, body
    seen = json.loads(body)
    assert (seen["raw_path"], seen["query_string"]) == (path.decode(), query.decode())


async def test_a_service_that_is_down_is_503_with_retry_after() -> None:
    gateway = Gateway({"conversation": f"http://127.0.0.1:{free_port()}"})
    status, headers, body = await call(gateway, "GET", b"/v1/conversations")
    assert (status, headers["content-type"], headers["retry-after"]) == (503, "application/problem+json", "2")
    assert json.loads(body)["code"] == "unavailable"
    status, headers, body = await call(gateway, "GET", b"/nowhere")
    assert (status, headers["content-type"], json.loads(body)["code"]) == (404, "application/problem+json", "not_found")


async def test_readyz_names_the_service_that_is_not_ready(upstream: str) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    gateway = Gateway({"conversation": upstream, "billing": down})
    gateway.ready = True
    status, _, body = await call(gateway, "GET", b"/readyz")
    assert status == 503
    assert json.loads(body) == {
        "status": "not ready",
        "services": {"billing": "unreachable", "conversation": "ready"},
        "unready": ["billing"],
    }
    gateway = Gateway({"conversation": upstream})
    assert (await call(gateway, "GET", b"/readyz"))[0] == 503  # the platform is still starting
    gateway.ready = True
    assert (await call(gateway, "GET", b"/readyz"))[0] == 200


def test_the_supervisors_backoff_resets_after_a_healthy_run() -> None:
    backoff = RestartBackoff(first=0.5, cap=10.0, healthy_after=60.0)
    crash_loop = [backoff.delay(ran_for=1.0) for _ in range(7)]
    assert crash_loop == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    # a crash after an hour of healthy running is restarted at once, not after the crash loop's 10 s
    assert backoff.delay(ran_for=3600.0) == 0.5
    assert backoff.delay(ran_for=1.0) == 1.0
