"""What the gateway of ``deskpilot up`` enforces before forwarding, and adds to every answer.

* **Rate limits** (token buckets, :mod:`libs.platform.rate_limits`): a request with an API key (``Authorization:
  Bearer``) counts against that key; any other request against its client address (IPv4, or IPv6 /64), and a
  widget request (``X-Widget-Key`` or ``?key=dpw_…``) against its widget key too. Over the limit: 429 problem+json
  with ``Retry-After`` (whole seconds, rounded up), nothing forwarded; a WebSocket handshake over the limit is
  refused the same way (or closed with 1013 *try again later* where the server cannot send an HTTP answer). These
  are flood limits, generous by default; the services keep their own finer ones (the web chat's per action).
  Keys are counted by their SHA-256, never kept.
* **Request bodies** above the owning service's limit: 413 problem+json, before the body is read (a
  ``Content-Length`` too large) or as soon as it passes the limit; nothing forwarded.
* **WebSocket frames** from the client above ``max_ws_frame_bytes``: the socket is closed with 1009 (*message too
  big*) and the upstream socket with it.
* **Security headers** on every HTTP answer, each only where the service did not set it (so the web pages' own
  strict Content-Security-Policy reaches the browser intact): ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy``, ``X-Frame-Options: DENY`` and a ``Content-Security-Policy`` that allows nothing (API
  answers are data, never a page to render or frame; the API reference page, ``/reference``, is the web front
  end's and brings its own). ``Strict-Transport-Security`` when the request came over TLS: to the gateway itself,
  or to a TLS-terminating proxy in front of it that says so in ``X-Forwarded-Proto`` (a client that claims it over plain
  HTTP gains nothing: browsers ignore HSTS received without TLS, RFC 6797 §8.1).
  The widget's files (``/widget.js``, ``/widget.css``) stay loadable by other sites' pages: nothing added here
  restricts who loads them (no frame is involved: the widget draws in a shadow root of the host page).

``deskpilot serve gateway`` runs it alone, in front of services run elsewhere (``DESKPILOT_GATEWAY_UPSTREAMS``):
Kubernetes' edge (deploy/k8s/base/gateway.yaml, decision 0048). docker-compose's nginx sets the same limits.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from deskpilot.gateway import (
    PAGE_FILES,
    PAGES,
    ROUTES,
    ASGIApp,
    Gateway,
    Message,
    Middleware,
    Receive,
    Scope,
    Send,
    route,
)
from libs.platform.problems import PROBLEM_JSON, problem
from libs.platform.rate_limits import Rate, TokenBuckets, client_network

EXEMPT = frozenset({"/healthz", "/health", "/readyz"})
"""Probes are never limited (an orchestrator polling them must not be told to wait)."""
WIDGET_KEY_PREFIX = b"dpw_"
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CLOSE_TOO_BIG = 1009
CLOSE_TRY_LATER = 1013


class GatewaySettings(BaseSettings):
    """The gateway's limits, from ``DESKPILOT_GATEWAY_*`` (e.g. ``DESKPILOT_GATEWAY_API_KEY_PER_MINUTE``)."""

    model_config = SettingsConfigDict(env_prefix="DESKPILOT_GATEWAY_", extra="ignore")

    api_key_per_minute: float = Field(default=6000, gt=0)
    api_key_burst: int = Field(default=1000, ge=1)
    widget_key_per_minute: float = Field(default=1200, gt=0)
    widget_key_burst: int = Field(default=200, ge=1)
    address_per_minute: float = Field(default=2400, gt=0, description="requests without an API key, per client")
    address_burst: int = Field(default=400, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1, description="any service but knowledge")
    knowledge_max_body_bytes: int = Field(default=7 * 1024 * 1024, ge=1, description="article imports")
    max_ws_frame_bytes: int = Field(default=128 * 1024, ge=1)
    hsts_max_age: int = Field(default=31_536_000, ge=0)
    upstreams: dict[str, str] = Field(
        default_factory=dict, description="``deskpilot serve gateway``: each service's (and web's) base URL, JSON"
    )


LOAD_GENERATOR_ENV = {
    f"DESKPILOT_GATEWAY_{name}": "10000000"
    for name in (
        "API_KEY_PER_MINUTE", "API_KEY_BURST", "WIDGET_KEY_PER_MINUTE", "WIDGET_KEY_BURST",
        "ADDRESS_PER_MINUTE", "ADDRESS_BURST",
    )
}  # fmt: skip
"""The environment that lifts the rate limits, for a platform driven by a load generator (one key and one address
standing for many customers: the suite's fault tests, the benchmarks); the limits are tested in
tests/test_gateway.py."""


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope["headers"] if k == name), None)


def _digest(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def _path(scope: Scope) -> str:
    return str(scope["path"])


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str, retry: int | None) -> None:
    """A problem answer over HTTP, or for a WebSocket handshake (an HTTP denial where the server can send one)."""
    raw = json.dumps(problem(status, detail)).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(raw)).encode())]
    if retry is not None:
        headers.append((b"retry-after", str(retry).encode()))
    if scope["type"] == "websocket":
        if (await receive())["type"] != "websocket.connect":
            return
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": CLOSE_TRY_LATER})
            return
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": raw})
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


class RateLimits:
    """Admits a request, or says how many seconds until it would be admitted (see the module docstring)."""

    def __init__(self, settings: GatewaySettings, clock: Callable[[], float] = time.monotonic) -> None:
        s = settings
        self.api_keys = TokenBuckets(Rate(s.api_key_per_minute, s.api_key_burst))
        self.widget_keys = TokenBuckets(Rate(s.widget_key_per_minute, s.widget_key_burst))
        self.addresses = TokenBuckets(Rate(s.address_per_minute, s.address_burst))
        self._clock = clock

    def buckets(self, scope: Scope) -> list[tuple[TokenBuckets, str, str]]:
        """What this request counts against: ``(buckets, key, what it is called in the refusal)``."""
        authorization = _header(scope, b"authorization") or b""
        scheme, _, credential = authorization.partition(b" ")
        if scheme.lower() == b"bearer" and credential.strip():
            return [(self.api_keys, _digest(credential.strip()), "API key")]
        client = scope.get("client")
        counted = [(self.addresses, client_network(str(client[0]) if client else "unknown"), "client address")]
        widget = _header(scope, b"x-widget-key")
        if widget is None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            widget = next((k.encode("latin-1") for k in query.get("key", [])), None)
        if widget is not None and widget.startswith(WIDGET_KEY_PREFIX):
            counted.append((self.widget_keys, _digest(widget), "widget key"))
        return counted

    def admit(self, scope: Scope) -> tuple[float, str] | None:
        """None when admitted (a token taken from each bucket), else (seconds to wait, what is exhausted)."""
        counted = self.buckets(scope)
        now = self._clock()
        waits = [(buckets.wait(key, now), what) for buckets, key, what in counted]
        longest = max(waits)
        if longest[0] > 0:
            return longest
        for buckets, key, _ in counted:
            buckets.take(key, now)
        return None

    def __call__(self, app: ASGIApp) -> ASGIApp:
        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            refused = None if _path(scope) in EXEMPT else self.admit(scope)
            if refused is None:
                await app(scope, receive, send)
                return
            wait, what = refused
            retry = max(1, math.ceil(wait))
            detail = f"too many requests for this {what}; retry in {retry} s"
            await _refuse(scope, receive, send, 429, detail, retry)

        return limited


class _TooLarge(Exception):
    pass


class SizeLimits:
    """413 for a request body above the owning service's limit; 1009 for a client's WebSocket frame above
    ``max_ws_frame_bytes``."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings

    def body_limit(self, path: str) -> int:
        s = self.settings
        return s.knowledge_max_body_bytes if route(path) == "knowledge" else s.max_body_bytes

    def __call__(self, app: ASGIApp) -> ASGIApp:
        async def bounded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "websocket":
                await self._socket(app, scope, receive, send)
            elif scope["type"] == "http":
                await self._request(app, scope, receive, send)
            else:
                await app(scope, receive, send)

        return bounded

    async def _request(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _header(scope, b"content-length")
        if declared is None and _header(scope, b"transfer-encoding") is None:
            await app(scope, receive, send)  # no body at all (most requests: GETs)
            return
        limit = self.body_limit(_path(scope))
        detail = f"the body is larger than {limit} bytes"
        if declared is not None and declared.strip().isdigit():
            if int(declared) > limit:
                await _refuse(scope, receive, send, 413, detail, None)
            else:  # the server holds the client to its Content-Length: nothing to count
                await app(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, counting, sending)
        except _TooLarge:
            if not started:
                await _refuse(scope, receive, send, 413, detail, None)

    async def _socket(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.settings.max_ws_frame_bytes
        closed = False

        async def checked() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive":
                text, data = message.get("text"), message.get("bytes")
                size = len(text.encode()) if text is not None else len(data or b"")
                if size > limit and not closed:
                    closed = True
                    await send({"type": "websocket.close", "code": CLOSE_TOO_BIG, "reason": "frame too large"})
                    return {"type": "websocket.disconnect", "code": CLOSE_TOO_BIG}
            return message

        async def sending(message: Message) -> None:
            if not closed:  # after our close, the relay's own close (or a late frame) is not the client's business
                await send(message)

        await app(scope, checked, sending)


class SecurityHeaders:
    """The headers of the module docstring on every HTTP answer, where the service did not set them."""

    def __init__(self, settings: GatewaySettings) -> None:
        hsts = [(b"strict-transport-security", f"max-age={settings.hsts_max_age}; includeSubDomains".encode())]
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        # Built once: over TLS? -> the headers wanted.
        self._wanted = {
            tls: [*common, (b"content-security-policy", API_CSP.encode())] + (hsts if tls else [])
            for tls in (False, True)
        }

    def headers_for(self, scope: Scope, present: set[bytes]) -> list[tuple[bytes, bytes]]:
        tls = scope.get("scheme") == "https"
        if not tls and (proto := _header(scope, b"x-forwarded-proto")) is not None:
            tls = proto.split(b",")[0].strip().lower() == b"https"
        wanted = self._wanted[tls]
        return [(k, v) for k, v in wanted if k not in present] if present else wanted

    def __call__(self, app: ASGIApp) -> ASGIApp:
        async def secured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    present = {k.lower() for k, _ in headers}
                    message["headers"] = headers + self.headers_for(scope, present)
                await send(message)

            await app(scope, receive, sending)

        return secured


def gateway_middleware(settings: GatewaySettings, clock: Callable[[], float] = time.monotonic) -> list[Middleware]:
    """The gateway's middleware, outermost first: headers (so refusals carry them too), rate limits, sizes."""
    return [SecurityHeaders(settings), RateLimits(settings, clock), SizeLimits(settings)]


def edge_gateway(settings: GatewaySettings) -> Gateway:
    """The gateway alone (``deskpilot serve gateway``): every process it routes to must have an upstream."""
    missing = sorted({*ROUTES.values(), *PAGES.values(), *PAGE_FILES.values()} - set(settings.upstreams))
    if missing:
        raise ValueError(f"DESKPILOT_GATEWAY_UPSTREAMS names no URL for {', '.join(missing)}")
    gateway = Gateway(settings.upstreams, middleware=gateway_middleware(settings))
    gateway.ready = True  # nothing to start here: /readyz still asks every service
    return gateway
