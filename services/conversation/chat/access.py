"""Who may use the web chat: a widget key from an allowed origin, then the client token of one conversation."""

from __future__ import annotations

import hashlib
import secrets
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from nats.aio.msg import Msg

from libs.events.subjects import WIDGET_PREFIX, widget_key_revoked_subject
from libs.platform.row_security import narrow_request
from libs.platform.runtime import ServiceRuntime
from services.conversation.repository import ConversationRepository, WidgetKeyRow

WIDGET_KEY_PREFIX = "dpw_"


def digest(secret: str) -> str:
    """What is stored of a widget key or a client token: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class WidgetAccess:
    tenant_id: str
    key_id: str


class ChatRefused(Exception):
    """A widget request that may not proceed: ``status`` 401 (no or unknown key), 403 (origin) or 404."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class AccessCache:
    """What a replica has learned about widget keys and chat sessions, so that a chat message costs no database
    round trip to authorize (measured: two reads, each a transaction, on every message).

    A key is re-read after ``key_ttl`` seconds, and forgotten at once when a revocation is announced on NATS (as the
    open chats are cut: docs/channels.md); a replica that missed the notice refuses the key within ``key_ttl``. A
    chat session never changes once opened, so it is kept until the least recently used ones make room.
    """

    def __init__(self, key_ttl: float = 30.0, sessions: int = 50_000) -> None:
        self.key_ttl = key_ttl
        self._keys: dict[str, tuple[float, WidgetKeyRow]] = {}
        self._sessions: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._max_sessions = sessions
        self._listening = False

    async def listen(self, runtime: ServiceRuntime) -> None:
        """Forget a key as soon as any replica announces its revocation (subscribed once, on first use)."""
        if self._listening:
            return
        self._listening = True

        async def revoked(msg: Msg) -> None:
            key_id = msg.subject.split(".")[-2]
            for cached_digest, (_, row) in list(self._keys.items()):
                if row.key_id == key_id:
                    del self._keys[cached_digest]

        await runtime.nc.subscribe(f"{WIDGET_PREFIX}.*.*.revoked", cb=revoked)

    async def key(self, runtime: ServiceRuntime, key_digest: str) -> WidgetKeyRow | None:
        await self.listen(runtime)
        cached = self._keys.get(key_digest)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        async with runtime.db.reader() as session:
            row = await ConversationRepository(session).widget_key(key_digest)
        if row is not None:
            self._keys[key_digest] = (time.monotonic() + self.key_ttl, row)
        return row

    async def session_token(self, runtime: ServiceRuntime, access: WidgetAccess, conversation_id: str) -> str | None:
        """The digest of the client token that opened this conversation with this key, if it did."""
        key = (access.tenant_id, conversation_id, access.key_id)
        cached = self._sessions.get(key)
        if cached is not None:
            self._sessions.move_to_end(key)
            return cached
        async with runtime.db.reader() as session:
            row = await ConversationRepository(session).chat_session(*key)
        if row is None:
            return None
        self._sessions[key] = row.token_sha256
        if len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)
        return row.token_sha256

    def forget_key(self, key_id: str) -> None:
        for cached_digest, (_, row) in list(self._keys.items()):
            if row.key_id == key_id:
                del self._keys[cached_digest]


_CACHES: weakref.WeakKeyDictionary[ServiceRuntime, AccessCache] = weakref.WeakKeyDictionary()


def access_cache(runtime: ServiceRuntime) -> AccessCache:
    """The replica's cache (one per service runtime)."""
    cache = _CACHES.get(runtime)
    if cache is None:
        cache = _CACHES[runtime] = AccessCache(getattr(runtime.settings, "widget_recheck_seconds", 30.0))
    return cache


def page_origin(headers: Mapping[str, str]) -> str | None:
    """The origin of the page a widget request comes from: its ``Origin`` header, or, for a same-origin ``GET``
    (browsers send no ``Origin`` there: the history page, the SSE stream of a widget on the API's own host, such
    as ``/widget/demo``), the origin of its ``Referer``. Browsers let no script set either header, so the allow-list
    holds against other sites' pages exactly as with ``Origin`` alone."""
    origin = headers.get("origin")
    if origin or headers.get("sec-fetch-site") != "same-origin":
        return origin
    referer = urlsplit(headers.get("referer") or "")
    return f"{referer.scheme}://{referer.netloc}" if referer.scheme in ("http", "https") and referer.netloc else None


async def authorize_widget(runtime: ServiceRuntime, widget_key: str | None, origin: str | None) -> WidgetAccess:
    """The tenant and key behind a widget request whose ``Origin`` the key allows; the rest of the request (or
    socket) runs in that tenant's row-level security scope."""
    if not widget_key or not widget_key.startswith(WIDGET_KEY_PREFIX):
        raise ChatRefused(401, "send the widget key as the 'X-Widget-Key' header or the 'key' query parameter")
    row = await access_cache(runtime).key(runtime, digest(widget_key))
    if row is None:
        raise ChatRefused(401, "unknown widget key")
    if row.revoked_at is not None:
        raise ChatRefused(401, "this widget key has been revoked")
    allowed = row.allowed_origins
    if "*" not in allowed and (origin or "").rstrip("/").lower() not in allowed:
        raise ChatRefused(403, "this widget key may not be used from this origin")
    # Finding the key needed the system scope (the key names the tenant); everything after it is that tenant's.
    narrow_request(row.tenant_id)
    return WidgetAccess(row.tenant_id, row.key_id)


async def authorize_session(
    runtime: ServiceRuntime, access: WidgetAccess, conversation_id: str, client_token: str | None
) -> None:
    """Only the widget session that opened a conversation (it holds the client token) may use it."""
    token = await access_cache(runtime).session_token(runtime, access, conversation_id)
    if token is None or not client_token or not secrets.compare_digest(token, digest(client_token)):
        raise ChatRefused(404, f"no chat conversation {conversation_id} for this client token")


@dataclass(frozen=True)
class KeyWatch:
    """Ends a feed when its widget key is revoked: ``subject`` announces it; ``revoked`` checks the database once
    the feed listens, for a revocation that came between the authorization and the subscription."""

    subject: str
    revoked: Callable[[], Awaitable[bool]]


def widget_key_watch(runtime: ServiceRuntime, access: WidgetAccess) -> KeyWatch:
    async def revoked() -> bool:
        async with runtime.db.reader() as session:
            row = await ConversationRepository(session).widget_key_by_id(access.tenant_id, access.key_id)
        return row is None or row.revoked_at is not None

    return KeyWatch(widget_key_revoked_subject(access.tenant_id, access.key_id), revoked)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's IP as the server sees it (uvicorn takes it from ``X-Forwarded-For`` when the peer is one of
    ``FORWARDED_ALLOW_IPS``, by default 127.0.0.1: the gateway of ``deskpilot up``)."""
    return connection.client.host if connection.client else "unknown"
