"""The one-port gateway of ``deskpilot up``: routes each API prefix to the service process that owns it.

The services still meet only through NATS; the gateway only lets a user reach all their HTTP APIs on one port, as
an ingress does in Kubernetes. The web front end's pages (``/``, ``/widget.js``, ``/widget/…``, ``/inbox``,
``/console``, ``/web/…``) go to the ``web`` process the same way.

Bodies stream through in both directions (server-sent events included: a request
that accepts ``text/event-stream`` has no read timeout), and WebSockets are relayed frame by frame to an upstream
WebSocket of the owning service; an upstream that refuses the handshake is refused to the client the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx2
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from libs.platform.problems import PROBLEM_JSON, problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-authenticate",
    "host",
    "content-length",
}
# Handshake headers the upstream WebSocket client makes itself.
WS_OWN = {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"}

# Which service owns which API prefix. Each service also answers /v1/<service>/healthz and /readyz.
ROUTES: dict[str, str] = {
    "/v1/conversations": "conversation",
    "/v1/conversation/": "conversation",
    "/v1/privacy": "conversation",
    "/v1/agent": "agent",
    "/v1/replays": "agent",
    "/v1/simulations": "agent",
    "/v1/integrations": "integrations",
    "/v1/knowledge": "knowledge",
    "/v1/tickets": "ticketing",
    "/v1/ticketing/": "ticketing",
    "/v1/billing": "billing",
}
# The web front end's pages and static assets (prefixes, whole path elements) and its files at exact paths.
PAGES: dict[str, str] = {"/widget": "web", "/inbox": "web", "/console": "web", "/web": "web"}
PAGE_FILES: dict[str, str] = {"/": "web", "/widget.js": "web", "/widget.css": "web"}


async def _json(send: Send, status: int, body: dict[str, Any], media_type: bytes = b"application/json") -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})


async def _problem(send: Send, status: int, detail: str) -> None:
    await _json(send, status, problem(status, detail), PROBLEM_JSON.encode())


def _forwarded(scope: Scope, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with the client appended to ``X-Forwarded-For``, so that a service sees who calls (uvicorn trusts
    it from 127.0.0.1, where the gateway runs) and limits per client, not per gateway."""
    client = scope.get("client")
    if not client:
        return headers
    chain = [v for k, v in headers if k.lower() == "x-forwarded-for"]
    kept = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
    return [*kept, ("x-forwarded-for", ", ".join([*chain, str(client[0])]))]


def route(path: str, upstreams: dict[str, str] | None = None) -> str | None:
    """The process that owns ``path``: an API prefix's service, else a web page's front end (when it runs)."""
    for prefix in sorted(ROUTES, key=len, reverse=True):
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return ROUTES[prefix]
    if upstreams is not None and "web" not in upstreams:
        return None
    if path in PAGE_FILES:
        return PAGE_FILES[path]
    for prefix in sorted(PAGES, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "/"):
            return PAGES[prefix]
    return None


class Gateway:
    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams  # service name -> base URL
        self.ready = False
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(60.0, connect=5.0))

    def route(self, path: str) -> str | None:
        return route(path, self.upstreams)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self._client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await self._forward_websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path in ("/healthz", "/health", "/readyz"):
            await _json(
                send,
                200 if self.ready else 503,
                {"status": "ok" if self.ready else "starting", "services": sorted(self.upstreams)},
            )
            return
        service = self.route(path)
        if service is None:
            await _problem(send, 404, f"no API at {path}")
            return
        await self._forward(scope, receive, send, service)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, service: str) -> None:
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode()
        url = self.upstreams[service] + scope["path"] + (f"?{query}" if query else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.decode().lower() not in HOP_BY_HOP]
        headers = _forwarded(scope, headers)
        # An event stream stays open as long as the client listens: no read timeout for it.
        streaming = any(k.lower() == "accept" and "text/event-stream" in v for k, v in headers)
        request = self._client.build_request(scope["method"], url, headers=headers, content=bytes(body))
        if streaming:
            request.extensions["timeout"] = httpx2.Timeout(60.0, connect=5.0, read=None).as_dict()
        try:
            response = await self._client.send(request, stream=True)
        except httpx2.TransportError:
            await _problem(send, 503, f"the {service} service is not reachable")
            return
        try:
            out_headers = [
                (k.encode(), v.encode()) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP
            ]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out_headers})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def _forward_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        service = self.route(scope["path"])
        if service is None:
            await send({"type": "websocket.close", "code": 1008})
            return
        query = scope.get("query_string", b"").decode()
        base = self.upstreams[service]
        url = "ws" + base.removeprefix("http") + scope["path"] + (f"?{query}" if query else "")
        headers = [
            (k.decode(), v.decode())
            for k, v in scope["headers"]
            if k.decode().lower() not in HOP_BY_HOP and k.decode().lower() not in WS_OWN
        ]
        headers = _forwarded(scope, headers)
        try:
            upstream = await connect(
                url,
                additional_headers=headers,
                subprotocols=scope.get("subprotocols") or None,
                open_timeout=10,
                max_size=None,
                compression=None,
            )
        except InvalidStatus as exc:
            # Refused upstream (403 for a bad origin, key or token): refused here too, before accepting.
            await send({"type": "websocket.close", "code": 1008 if exc.response.status_code < 500 else 1011})
            return
        except (OSError, TimeoutError, InvalidHandshake):
            await send({"type": "websocket.close", "code": 1011})
            return
        await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})
        to_upstream = asyncio.create_task(self._client_to_upstream(receive, upstream))
        to_client = asyncio.create_task(self._upstream_to_client(upstream, send))
        try:
            await asyncio.wait({to_upstream, to_client}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (to_upstream, to_client):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await upstream.close()

    @staticmethod
    async def _client_to_upstream(receive: Receive, upstream: ClientConnection) -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                await upstream.close()
                return
            if message["type"] == "websocket.receive":
                if message.get("text") is not None:
                    await upstream.send(message["text"])
                elif message.get("bytes") is not None:
                    await upstream.send(message["bytes"])

    @staticmethod
    async def _upstream_to_client(upstream: ClientConnection, send: Send) -> None:
        try:
            async for data in upstream:
                if isinstance(data, str):
                    await send({"type": "websocket.send", "text": data})
                else:
                    await send({"type": "websocket.send", "bytes": data})
        except ConnectionClosed:
            pass
        code = upstream.close_code
        # 1005/1006 (no status, abnormal) may not be sent in a close frame.
        await send({"type": "websocket.close", "code": code if code and code not in (1005, 1006) else 1000})
