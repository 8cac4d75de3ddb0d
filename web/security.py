"""What every response of the web front end carries, and the checks on every state-changing request.

* A strict Content-Security-Policy on every page: scripts, styles and connections from this origin only, no
  inline script or style at all (so no nonces are needed), no framing, no plugins, forms post here only.
* Sessions: an opaque random id in an HttpOnly, Secure, SameSite=Strict ``__Host-`` cookie; the API credential it
  maps to stays on the server (:mod:`web.sessions`).
* CSRF: a state-changing request authenticated by that cookie must carry the session's CSRF token (form field
  ``_csrf`` or header ``X-CSRF-Token``) *and*, when the browser says where it comes from (``Sec-Fetch-Site``), come
  from this origin. SameSite=Strict already keeps the cookie off cross-site requests; the token and the fetch-site
  check also stop same-site attackers (another port or subdomain of the same site), which SameSite does not.
  (``Sec-Fetch-Site`` rather than ``Origin`` against ``Host``: behind the gateway or an ingress the ``Host`` this
  process sees is not the one the browser used.)
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
# The widget's own files are loaded by other sites' pages.
EMBEDDABLE = ("/widget.js", "/widget.css")
SESSION_COOKIE = "__Host-dp_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def security_headers(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: the headers above on every HTTP response (errors and static files included)."""

    async def wrapped(
        scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        embeddable = scope["path"] in EMBEDDABLE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if embeddable:
                    extra.append((b"cross-origin-resource-policy", b"cross-origin"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def new_token() -> str:
    return secrets.token_urlsafe(32)


def fetch_site_ok(sec_fetch_site: str | None) -> bool:
    """A request the browser made from one of this origin's pages (or the user typed: ``none``). Browsers that do
    not send the header are left to the CSRF token."""
    return sec_fetch_site is None or sec_fetch_site in ("same-origin", "none")


def csrf_ok(expected: str, presented: str | None) -> bool:
    return bool(presented) and secrets.compare_digest(expected, presented or "")
