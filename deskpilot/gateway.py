"""The one-port gateway of ``deskpilot up``: routes each API prefix to the service process that owns it.

The services still meet only through NATS; the gateway only lets a user reach all their HTTP APIs on one port, as
an ingress does in Kubernetes. The web front end's pages (``/``, ``/widget.js``, ``/widget/…``, ``/inbox``,
``/console``, ``/web/…``) go to the ``web`` process the same way.

The request target is forwarded byte for byte (``deskpilot.upstream``: no decoding, no normalisation; ``%2F``,
``%3F`` and ``..`` are the service's to interpret), responses stream back as they come (server-sent events
included), and WebSockets are relayed frame by frame to an upstream WebSocket of the owning service; an upstream
that refuses the handshake is refused to the client the same way. A service that is down or restarting is a 503
with ``Retry-After``; every error of the gateway's own is a problem document (``libs.platform.problems``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from deskpilot.upstream import ConnectionPool, UpstreamUnavailable
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
    "/v1/operator": "conversation",
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
PAGE_FILES: dict[str, str] = {
    "/": "web",
    "/widget.js": "web",
    "/widget.css": "web",
    "/openapi.json": "web",  # the public API's contract and its reference page (web/reference.py)
    "/reference": "web",
}


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


async def _problem(send: Send, status: int, detail: str, extra: dict[str, int] | None = None) -> None:
    raw = json.dumps(problem(status, detail)).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(raw)).encode())]
    headers += [(k.encode(), str(v).encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    return host, int(port or 80)


def _forwarded_raw(scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _forwarded(scope, decoded)]


def _forwarded(scope: Scope, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with the client appended to ``X-Forwarded-For``, so that a service sees who calls (uvicorn trusts
    it from 127.0.0.1, where the gateway runs) and limits per client, not per gateway."""
    client = scope.get("client")
    if not client:
        return headers
    chain = [v for k, v in headers if k.lower() == "x-forwarded-for"]
    kept = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
    return [*kept, ("x-forwarded-for", ", ".join([*chain, str(client[0])]))]


def raw_target(scope: Scope) -> bytes:
    """The request target exactly as the client sent it: raw path (percent-encodings, dot segments and all) and
    raw query. Decoding is the service's business; a gateway that decodes answers for routes the service never
    had (``x%2F..%2F..%2Fcollections``)."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return raw + b"?" + query if query else raw


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


ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Middleware = Callable[[ASGIApp], ASGIApp]
"""Wraps the gateway's HTTP and WebSocket handling (e.g. rate limits, security headers): ``Gateway(middleware=[…])``,
outermost first."""

RETRY_AFTER = 2
"""Seconds a client is told to wait while a service is (re)starting (the supervisor's first restart delay, and more)."""


class Gateway:
    """The one port of ``deskpilot up``: ``/healthz``, ``/readyz`` (every service's readiness), then each request
    forwarded, target untouched, to the process that owns its path; 503 + ``Retry-After`` while that one is down."""

    def __init__(self, upstreams: dict[str, str], middleware: Sequence[Middleware] = ()) -> None:
        self.upstreams = upstreams  # service name -> base URL
        self.ready = False
        self._pools = {name: ConnectionPool(*_host_port(url)) for name, url in upstreams.items()}
        app: ASGIApp = self._dispatch
        for wrap in reversed(middleware):
            app = wrap(app)
        self._app = app

    def route(self, path: str) -> str | None:
        return route(path, self.upstreams)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    for pool in self._pools.values():
                        pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] in ("http", "websocket"):
            await self._app(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._forward_websocket(scope, receive, send)
            return
        # Routing looks at the raw path: what is routed is what is forwarded.
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if path in ("/healthz", "/health"):  # the platform has started (demo tenant usable); 503 until then
            await _json(send, 200 if self.ready else 503, {"status": "ok" if self.ready else "starting"})
            return
        if path == "/readyz":
            await self._readyz(send)
            return
        service = self.route(path)
        if service is None:
            await _problem(send, 404, "no API at this path")
            return
        await self._forward(scope, receive, send, service)

    async def _readyz(self, send: Send) -> None:
        """Ready when the platform has started and every service says it is ready; names the ones that are not."""
        names = sorted(self.upstreams)
        states = await asyncio.gather(*(self._service_ready(name) for name in names))
        services = dict(zip(names, states, strict=True))
        unready = [name for name, state in services.items() if state != "ready"]
        ok = self.ready and not unready
        status = "ready" if ok else ("starting" if not self.ready else "not ready")
        await _json(send, 200 if ok else 503, {"status": status, "services": services, "unready": unready})

    async def _service_ready(self, name: str) -> str:
        path = b"/web/healthz" if name == "web" else f"/v1/{name}/readyz".encode()
        try:
            response = await asyncio.wait_for(self._pools[name].request("GET", path, [], b""), 5)
            async for _ in response.body():
                pass
        except (UpstreamUnavailable, TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
            return "unreachable"
        return "ready" if response.status == 200 else "not ready"

    async def _forward(self, scope: Scope, receive: Receive, send: Send, service: str) -> None:
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = [(k, v) for k, v in scope["headers"] if k.lower().decode("latin-1") not in HOP_BY_HOP]
        headers = _forwarded_raw(scope, headers)
        try:
            response = await self._pools[service].request(scope["method"], raw_target(scope), headers, bytes(body))
        except (UpstreamUnavailable, TimeoutError):
            await _problem(
                send, 503, f"the {service} service is not available; retry shortly", {"retry-after": RETRY_AFTER}
            )
            return
        out_headers = [(k, v) for k, v in response.headers if k.decode("latin-1") not in HOP_BY_HOP]
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        try:
            async for chunk in response.body():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass  # the service went away mid-body: end the response here (the client sees it cut short)
        finally:
            response.release()
        await send({"type": "http.response.body", "body": b""})

    async def _forward_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        service = self.route((scope.get("raw_path") or scope["path"].encode()).decode("latin-1"))
        if service is None:
            await send({"type": "websocket.close", "code": 1008})
            return
        base = self.upstreams[service]
        url = "ws" + base.removeprefix("http") + raw_target(scope).decode("latin-1")
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
