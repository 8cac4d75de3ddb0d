"""The gateway of ``deskpilot up``: rate limits, body and frame limits and security headers
(deskpilot/gateway_limits.py) on a real uvicorn with a real upstream; it tells the services who the client is
(``X-Forwarded-For``), so that what a service does per client (the web chat's per-address rate limits) is not done
per gateway; it forwards the request target untouched; a service that is down is a 503 with ``Retry-After``;
``/readyz`` names the unready service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx2
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from deskpilot.embedded import free_port
from deskpilot.gateway import Gateway
from deskpilot.gateway_limits import API_CSP, GatewaySettings, gateway_middleware
from deskpilot.supervisor import RestartBackoff
from tests.support import eventually, listening

OWN_CSP = "default-src 'self'"
"""What a page of the upstream sets itself (as the web front end does); the gateway must pass it on intact."""


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An upstream that answers with the client uvicorn saw and the ``X-Forwarded-For`` it was sent (over a
    WebSocket: each frame sent back); under ``/widget`` a page with its own CSP."""
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message.get("text"), "bytes": message.get("bytes")})
        return
    if scope["type"] != "http":
        return
    if scope["path"].startswith("/widget"):
        page = [(b"content-type", b"text/html"), (b"content-security-policy", OWN_CSP.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": page})
        await send({"type": "http.response.body", "body": b"<!doctype html>"})
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


class Clock:
    """The rate limits' clock, moved by the test (no sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _refused(r: httpx2.Response, status: int, code: str) -> dict[str, Any]:
    assert (r.status_code, r.headers["content-type"]) == (status, "application/problem+json"), r.text
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    assert r.headers["x-content-type-options"] == "nosniff"  # a refusal carries the security headers too
    return body


async def test_rate_limits_per_api_key_widget_key_and_client_address(upstream: str) -> None:
    limits = GatewaySettings(
        api_key_per_minute=60, api_key_burst=2, widget_key_per_minute=60, widget_key_burst=2,
        address_per_minute=60, address_burst=3,
    )  # fmt: skip
    clock = Clock()
    gateway = Gateway({"conversation": upstream}, middleware=gateway_middleware(limits, clock))
    async with listening(gateway) as base, httpx2.AsyncClient(base_url=base) as http:
        a, b = {"Authorization": "Bearer key-a"}, {"Authorization": "Bearer key-b"}
        assert [(await http.get("/v1/conversations", headers=a)).status_code for _ in range(2)] == [200, 200]
        over = await http.get("/v1/conversations", headers=a)
        assert "API key" in (await _refused(over, 429, "rate_limited"))["detail"]
        assert over.headers["retry-after"] == "1"  # one token a second: a whole second, rounded up
        assert (await http.get("/v1/conversations", headers=b)).status_code == 200  # another key has its own
        assert (await http.get("/healthz")).status_code == 503  # probes are never limited (still starting)
        with pytest.raises(InvalidStatus) as refused:  # a handshake over the limit is refused as a request is
            async with connect(base.replace("http", "ws") + "/v1/conversations/chat/c/ws", additional_headers=a):
                pass
        assert refused.value.response.status_code == 429

        # Without an API key: per widget key, and per client address whatever the key.
        w1, w2, w3 = ({"X-Widget-Key": f"dpw_{n}"} for n in (1, 2, 3))
        chat = "/v1/conversations/chat"
        assert [(await http.post(chat, headers=w1)).status_code for _ in range(2)] == [200, 200]
        assert "widget key" in (await _refused(await http.post(chat, headers=w1), 429, "rate_limited"))["detail"]
        assert (await http.get(f"{chat}/c/events?key=dpw_2")).status_code == 200  # the key as the widget's query
        assert "client address" in (await _refused(await http.post(chat, headers=w3), 429, "rate_limited"))["detail"]
        clock.now += 1.0
        assert (await http.post(chat, headers=w2)).status_code == 200
        assert (await http.get("/v1/conversations", headers=a)).status_code == 200  # refilled


async def test_body_and_frame_limits(upstream: str) -> None:
    limits = GatewaySettings(max_body_bytes=1000, knowledge_max_body_bytes=5000, max_ws_frame_bytes=1000)
    gateway = Gateway({"conversation": upstream, "knowledge": upstream}, middleware=gateway_middleware(limits))
    async with listening(gateway) as base, httpx2.AsyncClient(base_url=base) as http:
        assert (await http.post("/v1/conversations", content=b"x" * 1000)).status_code == 200
        too_large = await _refused(await http.post("/v1/conversations", content=b"x" * 1001), 413, "too_large")
        assert "1000 bytes" in too_large["detail"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused once the body passes the limit
            for _ in range(3):
                yield b"x" * 600

        await _refused(await http.post("/v1/conversations", content=chunks()), 413, "too_large")
        assert (await http.post("/v1/knowledge/imports", content=b"x" * 5000)).status_code == 200  # its own limit

        async with connect(base.replace("http", "ws") + "/v1/conversations/chat/c/ws") as ws:
            await ws.send("x" * 1000)
            assert await ws.recv() == "x" * 1000
            await ws.send("x" * 1001)
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        assert ws.close_code == 1009  # message too big


async def test_security_headers_on_every_answer_and_a_pages_own_policy_kept(upstream: str) -> None:
    gateway = Gateway({"conversation": upstream, "web": upstream}, middleware=gateway_middleware(GatewaySettings()))
    async with listening(gateway) as base, httpx2.AsyncClient(base_url=base) as http:
        for r in (await http.get("/v1/conversations"), await http.get("/nowhere"), await http.get("/openapi.json")):
            assert r.headers["content-security-policy"] == API_CSP
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
            assert r.headers["x-frame-options"] == "DENY"
            assert "strict-transport-security" not in r.headers  # plain HTTP
        page = await http.get("/widget/demo")
        assert page.headers.get_list("content-security-policy") == [OWN_CSP]  # the page's own, once, intact
        behind_tls = await http.get("/v1/conversations", headers={"X-Forwarded-Proto": "https"})
        assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")
