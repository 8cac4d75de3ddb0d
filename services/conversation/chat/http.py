"""The web chat channel: public widget keys, chat sessions bound to a client token, and live delivery.

A *widget key* (``dpw_…``, only its SHA-256 digest stored) is public: it is embedded in a tenant's web page. So it
can do little: open a conversation (which returns a random per-conversation ``client_token``, digest stored),
post customer messages to a conversation it opened (with that token) and read or stream it. Every widget request
must carry an ``Origin`` in the key's allowed list (``*`` allows any).

Delivery (WebSocket, or server-sent events as a fallback) sends, in log order, the customer-visible events
(:data:`VISIBLE`) and, while connected, the transient reply deltas of ``dp.stream.<tenant>.<conversation>``.
Resuming after ``after=<position>`` first starts a live ordered consumer on the conversation's subjects, then
replays the log from that position, then continues live, skipping positions already sent: a client that
reconnects with its last position misses nothing and sees nothing twice.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, HttpMethod, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
)

from libs.events import MessageReceived
from libs.platform.http import LOG_POSITION_MAX, Runtime
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.chat.access import (
    ChatRefused,
    WidgetAccess,
    authorize_session,
    authorize_widget,
    client_address,
    digest,
    page_origin,
    widget_key_watch,
)
from services.conversation.chat.feed import chat_feed
from services.conversation.chat.frames import KEEP_ALIVE_FRAME, frame_for
from services.conversation.config import ConversationSettings
from services.conversation.limits import Limited, WidgetAction, WidgetLimiter
from services.conversation.projected import projected_in_requests
from services.conversation.repository import ConversationRepository
from services.conversation.schemas import (
    ChatHistory,
    ChatOpened,
    CsatAnswer,
    MessageAccepted,
    OpenChat,
    PostMessage,
)

CORS_HEADERS = ("Content-Type", "X-Widget-Key", "X-Client-Token", "Idempotency-Key", "Last-Event-ID")


def _refusal(exc: ChatRefused, request: Request[Any, Any, Any]) -> HTTPException:
    """The refusal as an HTTP error the page's script can read (with the CORS headers), so a widget on a site its key
    does not allow can tell the visitor so instead of failing blind."""
    headers = _cors(request)
    match exc.status:
        case 401:
            return NotAuthorizedException(exc.detail, headers=headers)
        case 403:
            return PermissionDeniedException(exc.detail, headers=headers)
        case _:
            return NotFoundException(exc.detail, headers=headers)


def _too_many(request: Request[Any, Any, Any], limited: Limited) -> HTTPException:
    return HTTPException(
        status_code=HTTP_429_TOO_MANY_REQUESTS,
        detail=limited.detail,
        headers={"Retry-After": limited.retry_after_header, **_cors(request)},
    )


def _cors(request: Request[Any, Any, Any]) -> dict[str, str]:
    origin = request.headers.get("origin")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


def _preflight(request: Request[Any, Any, Any]) -> Response[None]:
    """A preflight carries no key, so it allows any origin; the request itself is then checked against the key."""
    headers = {
        **_cors(request),
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": ", ".join(CORS_HEADERS),
        "Access-Control-Max-Age": "600",
    }
    return Response(None, status_code=HTTP_204_NO_CONTENT, headers=headers)


async def receive(
    runtime: ServiceRuntime, tenant_id: str, conversation_id: str, text: str, max_chars: int, key: str | None
) -> MessageAccepted:
    """Accept a customer message posted over HTTP or the socket (``key``: its idempotency key)."""
    async with runtime.unit_of_work() as uow:
        recorded = await service.receive_message(
            runtime.event_log,
            ConversationRepository(uow.session),
            tenant_id,
            conversation_id,
            text,
            max_chars,
            key,
            alone=True,
            projected=projected_in_requests(runtime),
        )
    payload = recorded.event.payload
    assert isinstance(payload, MessageReceived)
    return MessageAccepted(
        conversation_id=conversation_id,
        message_id=payload.message_id,
        event_id=recorded.event.id,
        position=recorded.position,
    )


class ChatController(Controller):
    """The widget's HTTP API (the WebSocket is :func:`chat_socket`). Send the widget key as ``X-Widget-Key`` and
    a conversation's client token as ``X-Client-Token`` (or as the ``key`` / ``token`` query parameters)."""

    path = "/v1/conversations/chat"

    async def _session(self, request: Request[Any, Any, Any], runtime: ServiceRuntime, cid: str) -> WidgetAccess:
        params = request.query_params
        try:
            access = await authorize_widget(
                runtime, request.headers.get("x-widget-key") or params.get("key"), page_origin(request.headers)
            )
            token = request.headers.get("x-client-token") or params.get("token")
            await authorize_session(runtime, access, cid, token)
        except ChatRefused as exc:
            raise _refusal(exc, request) from exc
        return access

    @post("/", status_code=HTTP_201_CREATED)
    async def open(
        self,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        widget_limiter: NamedDependency[WidgetLimiter],
        data: JSONBody[OpenChat | None] = None,
    ) -> Response[ChatOpened]:
        """Open a web chat conversation; returns its id and the client token that alone may use it.
        Rate-limited per widget key and per client address: 429 with ``Retry-After`` (seconds)."""
        try:
            access = await authorize_widget(
                runtime,
                request.headers.get("x-widget-key") or request.query_params.get("key"),
                page_origin(request.headers),
            )
        except ChatRefused as exc:
            raise _refusal(exc, request) from exc
        limited = widget_limiter.admit(WidgetAction.OPEN, access.key_id, client_address(request))
        if limited:
            raise _too_many(request, limited)
        token = secrets.token_urlsafe(32)
        try:
            async with runtime.unit_of_work() as uow:
                repo = ConversationRepository(uow.session)
                recorded = await service.start_conversation(
                    runtime.event_log, repo, access.tenant_id, "web", data.customer_id if data else None
                )
                assert recorded.event.conversation_id is not None
                cid = recorded.event.conversation_id
                await repo.add_chat_session(access.tenant_id, cid, access.key_id, digest(token))
        except service.QuotaRefused as exc:
            raise HTTPException(status_code=402, detail=str(exc)) from exc
        opened = ChatOpened(conversation_id=cid, client_token=token, position=recorded.position)
        return Response(opened, status_code=HTTP_201_CREATED, headers=_cors(request))

    @post("/{conversation_id:str}/messages", status_code=HTTP_202_ACCEPTED)
    async def message(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[str],
        data: JSONBody[PostMessage],
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        widget_limiter: NamedDependency[WidgetLimiter],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> Response[MessageAccepted]:
        """Post the customer's message to a conversation this client opened. Rate-limited per widget key and per
        client address: 429 with ``Retry-After`` (seconds), and the message is not taken (send it again then)."""
        access = await self._session(request, runtime, conversation_id)
        limited = widget_limiter.admit(WidgetAction.MESSAGE, access.key_id, client_address(request))
        if limited:
            raise _too_many(request, limited)
        try:
            accepted = await receive(
                runtime, access.tenant_id, conversation_id, data.text, settings.max_message_chars, idempotency_key
            )
        except service.MessageTooLarge as exc:
            raise HTTPException(status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail=str(exc)) from exc
        return Response(accepted, status_code=HTTP_202_ACCEPTED, headers=_cors(request))

    @post("/{conversation_id:str}/csat", status_code=HTTP_201_CREATED)
    async def csat(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[str],
        data: JSONBody[CsatAnswer],
        runtime: Runtime,
    ) -> Response[dict[str, Any]]:
        """The customer's rating (1-5) after a ``csat.requested``; recorded as ``csat.recorded``, once per ticket."""
        access = await self._session(request, runtime, conversation_id)
        try:
            recorded = await service.rate(
                runtime.event_log, access.tenant_id, conversation_id, data.score, data.comment, "web-customer"
            )
        except service.NoRatingRequested as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc)) from exc
        body = {"position": recorded.position, "score": data.score}
        return Response(body, status_code=HTTP_201_CREATED, headers=_cors(request))

    @get("/{conversation_id:str}")
    async def history(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[str],
        runtime: Runtime,
        after: Annotated[int, QueryParameter(ge=0, le=LOG_POSITION_MAX)] = 0,
    ) -> Response[ChatHistory]:
        """What the customer has seen of the conversation after position ``after``, in order."""
        access = await self._session(request, runtime, conversation_id)
        recorded = await runtime.event_log.read(access.tenant_id, conversation_id, after)
        frames = [f for f in map(frame_for, recorded) if f is not None]
        version = recorded[-1].position if recorded else after
        history = ChatHistory(conversation_id=conversation_id, version=version, events=frames)
        return Response(history, headers=_cors(request))

    # CORS preflights for the widget's cross-origin requests, one per path. Litestar registers a controller's
    # handlers in name order and adds its own OPTIONS handler to a path that has none yet, which then wins: these
    # names sort before the other handlers of their paths (checked by test_chat.py).
    @route("/", http_method=HttpMethod.OPTIONS, status_code=HTTP_204_NO_CONTENT, include_in_schema=False)
    async def cors_open(self, request: Request[Any, Any, Any]) -> Response[None]:
        """CORS preflight for the widget (it carries no key; the real request is checked)."""
        return _preflight(request)

    @route("/{conversation_id:str}", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_history(self, request: Request[Any, Any, Any]) -> Response[None]:
        """CORS preflight for the widget (it carries no key; the real request is checked)."""
        return _preflight(request)

    @route("/{conversation_id:str}/messages", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_messages(self, request: Request[Any, Any, Any]) -> Response[None]:
        """CORS preflight for the widget (it carries no key; the real request is checked)."""
        return _preflight(request)

    @route("/{conversation_id:str}/csat", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_csat(self, request: Request[Any, Any, Any]) -> Response[None]:
        """CORS preflight for the widget (it carries no key; the real request is checked)."""
        return _preflight(request)

    @route("/{conversation_id:str}/events", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_events(self, request: Request[Any, Any, Any]) -> Response[None]:
        """CORS preflight for the widget (it carries no key; the real request is checked)."""
        return _preflight(request)

    @get("/{conversation_id:str}/events")
    async def stream(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[str],
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        after: Annotated[int | None, QueryParameter(ge=0, le=LOG_POSITION_MAX)] = None,
        last_event_id: Annotated[str | None, HeaderParameter(name="Last-Event-ID")] = None,
    ) -> ServerSentEvent:
        """Server-sent events: the conversation from ``after`` (or the ``Last-Event-ID`` an EventSource resends),
        then live. Events carry their log position as the SSE id; reply deltas have none. An idle stream gets a
        ``: keep-alive`` comment every ``DESKPILOT_SSE_KEEPALIVE_SECONDS``; revoking the widget key ends the stream
        with an ``error`` event (``code`` ``widget_key_revoked``)."""
        access = await self._session(request, runtime, conversation_id)
        start = after if after is not None else int(last_event_id or 0) if (last_event_id or "").isdigit() else 0
        feed = chat_feed(
            runtime.nc,
            runtime.event_log,
            access.tenant_id,
            conversation_id,
            start,
            watch=widget_key_watch(runtime, access),
            keep_alive=settings.sse_keepalive_seconds,
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async with contextlib.aclosing(feed):
                async for frame in feed:
                    if frame is KEEP_ALIVE_FRAME:
                        yield ServerSentEventMessage(data=None, comment="keep-alive")
                        continue
                    position = frame.get("position")
                    yield ServerSentEventMessage(
                        data=json.dumps(frame), event=frame["kind"], id=str(position) if position else None
                    )

        return ServerSentEvent(messages(), headers={"Cache-Control": "no-cache", **_cors(request)})
