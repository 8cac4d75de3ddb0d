"""The one-port gateway of ``deskpilot up``: routes each API prefix to the service process that owns it.

The services still meet only through NATS; the gateway only lets a user reach all their HTTP APIs on one port, as
an ingress does in Kubernetes. Bodies stream through in both directions.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx2

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

# Which service owns which API prefix. Each service also answers /v1/<service>/healthz and /readyz.
ROUTES: dict[str, str] = {
    "/v1/conversations": "conversation",
    "/v1/conversation/": "conversation",
    "/v1/agent": "agent",
    "/v1/integrations": "integrations",
    "/v1/knowledge": "knowledge",
    "/v1/tickets": "ticketing",
    "/v1/ticketing/": "ticketing",
    "/v1/billing": "billing",
}


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})


class Gateway:
    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams  # service name -> base URL
        self.ready = False
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(60.0, connect=5.0))

    def route(self, path: str) -> str | None:
        for prefix in sorted(ROUTES, key=len, reverse=True):
            base = prefix.rstrip("/")
            if path == base or path.startswith(base + "/"):
                return ROUTES[prefix]
        return None

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
            await _json(send, 404, {"error": "not_found", "detail": f"no API at {path}"})
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
        request = self._client.build_request(scope["method"], url, headers=headers, content=bytes(body))
        try:
            response = await self._client.send(request, stream=True)
        except httpx2.TransportError:
            await _json(send, 503, {"error": "unavailable", "detail": f"the {service} service is not reachable"})
            return
        try:
            out_headers = [(k.encode(), v.encode()) for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out_headers})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()
