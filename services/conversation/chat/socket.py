"""The web chat WebSocket: the conversation's frames out, the customer's messages in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from litestar import WebSocket, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath
from opentelemetry import trace

from libs.platform.http import Runtime
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.chat.access import (
    ChatRefused,
    WidgetAccess,
    authorize_session,
    authorize_widget,
    client_address,
    page_origin,
    widget_key_watch,
)
from services.conversation.chat.feed import chat_feed
from services.conversation.chat.frames import REVOKED_FRAME, limited_frame
from services.conversation.chat.http import receive
from services.conversation.config import ConversationSettings
from services.conversation.limits import WidgetAction, WidgetLimiter

log = logging.getLogger("deskpilot.conversation.chat")
tracer = trace.get_tracer("deskpilot.conversation.chat")


@websocket("/v1/conversations/chat/{conversation_id:str}/ws")
async def chat_socket(
    socket: WebSocket[Any, Any, Any],
    conversation_id: FromPath[str],
    runtime: Runtime,
    settings: NamedDependency[ConversationSettings],
    widget_limiter: NamedDependency[WidgetLimiter],
) -> None:
    """The web chat socket. Query: ``key`` (widget key), ``token`` (client token), ``after`` (last seen position).

    Server → client: JSON frames ``{"kind": "event", "position", "type", "role", "text", "at", …}`` and
    ``{"kind": "delta", "turn_id", "seq", "text", "final"}``; client → server: ``{"type": "message", "text": …,
    "idempotency_key": …}``, acknowledged with ``{"kind": "accepted", "position", "message_id"}`` or answered
    with ``{"kind": "error", "detail": …}``; a message over the rate limit is not taken and answered with
    ``{"kind": "error", "code": "rate_limited", "retry_after": <seconds>, …}`` (send it again then). A refused
    handshake (key, origin, token) is closed before accepting; revoking the widget key sends ``{"kind": "error",
    "code": "widget_key_revoked", …}`` and closes the socket (1008).
    """
    params = socket.query_params
    try:
        access = await authorize_widget(runtime, params.get("key"), page_origin(socket.headers))
        await authorize_session(runtime, access, conversation_id, params.get("token"))
        after = int(params.get("after") or 0)
    except (ChatRefused, ValueError):
        await socket.close(code=1008)
        return
    await socket.accept()
    chat = _SocketChat(socket, runtime, settings, widget_limiter, access, conversation_id)
    pumping = asyncio.create_task(chat.pump(after))
    try:
        await chat.serve_client()
    except WebSocketDisconnect:
        pass
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pumping


class _SocketChat:
    """One accepted socket. The feed and the answers to the client share it, so frames go out one at a time."""

    def __init__(
        self,
        socket: WebSocket[Any, Any, Any],
        runtime: ServiceRuntime,
        settings: ConversationSettings,
        limiter: WidgetLimiter,
        access: WidgetAccess,
        conversation_id: str,
    ) -> None:
        self.socket, self.runtime, self.settings, self.limiter = socket, runtime, settings, limiter
        self.access, self.conversation_id = access, conversation_id
        self.watch = widget_key_watch(runtime, access)
        self._sending = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._sending:
            await self.socket.send_json(frame)

    async def pump(self, after: int) -> None:
        """The conversation's frames after position ``after`` to the client, until the key is revoked."""
        runtime, access = self.runtime, self.access
        feed = chat_feed(runtime.nc, runtime.event_log, access.tenant_id, self.conversation_id, after, watch=self.watch)
        try:
            async with contextlib.aclosing(feed):
                async for frame in feed:
                    await self.send(frame)
                    if frame is REVOKED_FRAME:
                        await self.socket.close(code=1008)
                        return
        except Exception:
            # e.g. NATS unreachable: close, so that the client reconnects (with its position) instead of waiting
            log.exception("web chat delivery failed for %s", self.conversation_id)
            with contextlib.suppress(Exception):
                await self.socket.close(code=1011)

    async def serve_client(self) -> None:
        """Answer each message the client sends, re-checking the widget key every so often."""
        loop = asyncio.get_running_loop()
        checked_at = loop.time()
        while True:
            raw = await self.socket.receive_text()
            if loop.time() - checked_at >= self.settings.widget_recheck_seconds:
                checked_at = loop.time()
                if await self.watch.revoked():  # the notice on NATS may have been missed: never take it on trust
                    await self.send(REVOKED_FRAME)
                    await self.socket.close(code=1008)
                    return
            # Each message on the socket starts its own trace, as a request would: the turn it causes joins it.
            with tracer.start_as_current_span("chat.message receive", kind=trace.SpanKind.SERVER) as span:
                span.set_attribute("deskpilot.conversation_id", self.conversation_id)
                answer = await self._answer(raw)
            await self.send(answer)

    async def _answer(self, raw: str) -> dict[str, Any]:
        """Accept one message the client sent on the socket; the answer frame to send back."""
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(data, dict) or data.get("type") != "message" or not isinstance(text, str):
            return {"kind": "error", "detail": 'send {"type": "message", "text": "…"}'}
        if not text.strip():
            return {"kind": "error", "detail": "text must not be blank"}
        limited = self.limiter.admit(WidgetAction.MESSAGE, self.access.key_id, client_address(self.socket))
        if limited:
            return limited_frame(limited)
        key = data.get("idempotency_key")
        try:
            accepted = await receive(
                self.runtime,
                self.access.tenant_id,
                self.conversation_id,
                text,
                self.settings.max_message_chars,
                key if isinstance(key, str) and 0 < len(key) <= 200 else None,
            )
        except service.MessageTooLarge as exc:
            return {"kind": "error", "detail": str(exc)}
        return {"kind": "accepted", "position": accepted.position, "message_id": accepted.message_id}
