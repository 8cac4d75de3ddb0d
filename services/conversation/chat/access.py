"""Who may use the web chat: a widget key from an allowed origin, then the client token of one conversation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from libs.events.subjects import widget_key_revoked_subject
from libs.platform.runtime import ServiceRuntime
from services.conversation.repository import ConversationRepository

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


async def authorize_widget(runtime: ServiceRuntime, widget_key: str | None, origin: str | None) -> WidgetAccess:
    """The tenant and key behind a widget request whose ``Origin`` the key allows."""
    if not widget_key or not widget_key.startswith(WIDGET_KEY_PREFIX):
        raise ChatRefused(401, "send the widget key as the 'X-Widget-Key' header or the 'key' query parameter")
    async with runtime.db.session() as session:
        row = await ConversationRepository(session).widget_key(digest(widget_key))
    if row is None:
        raise ChatRefused(401, "unknown widget key")
    if row.revoked_at is not None:
        raise ChatRefused(401, "this widget key has been revoked")
    allowed = row.allowed_origins
    if "*" not in allowed and (origin or "").rstrip("/").lower() not in allowed:
        raise ChatRefused(403, "this widget key may not be used from this origin")
    return WidgetAccess(row.tenant_id, row.key_id)


async def authorize_session(
    runtime: ServiceRuntime, access: WidgetAccess, conversation_id: str, client_token: str | None
) -> None:
    """Only the widget session that opened a conversation (it holds the client token) may use it."""
    async with runtime.db.session() as session:
        row = await ConversationRepository(session).chat_session(access.tenant_id, conversation_id, access.key_id)
    if row is None or not client_token or not secrets.compare_digest(row.token_sha256, digest(client_token)):
        raise ChatRefused(404, f"no chat conversation {conversation_id} for this client token")


@dataclass(frozen=True)
class KeyWatch:
    """Ends a feed when its widget key is revoked: ``subject`` announces it; ``revoked`` checks the database once
    the feed listens, for a revocation that came between the authorization and the subscription."""

    subject: str
    revoked: Callable[[], Awaitable[bool]]


def widget_key_watch(runtime: ServiceRuntime, access: WidgetAccess) -> KeyWatch:
    async def revoked() -> bool:
        async with runtime.db.session() as session:
            row = await ConversationRepository(session).widget_key_by_id(access.tenant_id, access.key_id)
        return row is None or row.revoked_at is not None

    return KeyWatch(widget_key_revoked_subject(access.tenant_id, access.key_id), revoked)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's IP as the server sees it (uvicorn takes it from ``X-Forwarded-For`` when the peer is one of
    ``FORWARDED_ALLOW_IPS``, by default 127.0.0.1: the gateway of ``deskpilot up``)."""
    return connection.client.host if connection.client else "unknown"
