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

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Controller, HttpMethod, Request, Response, WebSocket, get, post, route, websocket
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    WebSocketDisconnect,
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
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from libs.events import (
    AgentReplied,
    CsatRequested,
    EventLog,
    HumanAssigned,
    HumanReplied,
    MessageReceived,
    RecordedEvent,
    ToolApprovalRequested,
    ToolRequested,
)
from libs.events.envelope import decode
from libs.events.streaming import ReplyDelta
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import conversation_filter, reply_stream_subject, widget_key_revoked_subject
from libs.platform.http import Runtime
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.config import ConversationSettings
from services.conversation.limits import Limited, WidgetAction, WidgetLimiter
from services.conversation.progress import approval_in_words, tool_in_words
from services.conversation.repository import ConversationRepository
from services.conversation.schemas import (
    ChatHistory,
    ChatOpened,
    CsatAnswer,
    MessageAccepted,
    OpenChat,
    PostMessage,
)

log = logging.getLogger("deskpilot.conversation.chat")
WIDGET_KEY_PREFIX = "dpw_"
CORS_HEADERS = ("Content-Type", "X-Widget-Key", "X-Client-Token", "Idempotency-Key", "Last-Event-ID")
CSAT_PROMPT = "How did we do? Rate this conversation from 1 (bad) to 5 (great)."
# The events a customer sees, in log order.
VISIBLE = frozenset(
    {
        "message.received",
        "agent.replied",
        "human.replied",
        "human.assigned",
        "csat.requested",
        "conversation.resolved",
        "conversation.handed_back",
    }
)
# Events the customer sees as a progress line while the agent works (``kind: progress``), never their arguments.
PROGRESS = frozenset({"tool.requested", "tool.approval_requested"})


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


def digest(secret: str) -> str:
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
    if row["revoked_at"] is not None:
        raise ChatRefused(401, "this widget key has been revoked")
    allowed: list[str] = row["allowed_origins"]
    if "*" not in allowed and (origin or "").rstrip("/").lower() not in allowed:
        raise ChatRefused(403, "this widget key may not be used from this origin")
    return WidgetAccess(row["tenant_id"], row["key_id"])


async def authorize_session(
    runtime: ServiceRuntime, access: WidgetAccess, conversation_id: str, client_token: str | None
) -> None:
    """Only the widget session that opened a conversation (it holds the client token) may use it."""
    async with runtime.db.session() as session:
        row = await ConversationRepository(session).chat_session(access.tenant_id, conversation_id, access.key_id)
    if row is None or not client_token or not secrets.compare_digest(row["token_sha256"], digest(client_token)):
        raise ChatRefused(404, f"no chat conversation {conversation_id} for this client token")


def frame_for(recorded: RecordedEvent) -> dict[str, Any] | None:
    """What the customer sees of one logged event, or None for internal events."""
    event, payload = recorded.event, recorded.event.payload
    if isinstance(payload, ToolRequested | ToolApprovalRequested):
        words = approval_in_words if isinstance(payload, ToolApprovalRequested) else tool_in_words
        return {
            "kind": "progress",
            "position": recorded.position,
            "type": event.type,
            "text": words(payload.tool, payload.arguments),
            "at": event.occurred_at.isoformat(),
        }
    if event.type not in VISIBLE:
        return None
    frame: dict[str, Any] = {"kind": "event", "position": recorded.position, "type": event.type}
    if isinstance(payload, CsatRequested):
        frame.update(role="system", text=CSAT_PROMPT, ticket_id=payload.ticket_id)
    else:
        entry = service.entry_for(recorded)
        if entry is None:
            return None
        frame.update(role=entry.role, text=entry.text)
    if isinstance(payload, HumanReplied | HumanAssigned):
        frame["agent_name"] = payload.agent_name
    if isinstance(payload, AgentReplied):
        # the reply's deltas carry it too: a client that drew them knows which drawing this text completes
        frame["turn_id"] = payload.turn_id
    frame["at"] = event.occurred_at.isoformat()
    return frame


def delta_frame(delta: ReplyDelta) -> dict[str, Any]:
    return {"kind": "delta", "turn_id": delta.turn_id, "seq": delta.seq, "text": delta.text, "final": delta.final}


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
        return row is None or row["revoked_at"] is not None

    return KeyWatch(widget_key_revoked_subject(access.tenant_id, access.key_id), revoked)


REVOKED_FRAME: dict[str, Any] = {
    "kind": "error",
    "code": "widget_key_revoked",
    "detail": "this widget key has been revoked; the chat is closed",
}
KEEP_ALIVE_FRAME: dict[str, Any] = {"kind": "keep-alive"}


async def chat_feed(
    nc: NATS,
    log: EventLog,
    tenant_id: str,
    conversation_id: str,
    after: int,
    *,
    watch: KeyWatch | None = None,
    keep_alive: float | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """Frames after position ``after``: the log's replay, then live events and reply deltas, each event once.

    With ``watch``, the feed ends with :data:`REVOKED_FRAME` when the widget key is revoked. With ``keep_alive``
    (seconds), :data:`KEEP_ALIVE_FRAME` comes whenever nothing else came for that long.
    """
    queue: asyncio.Queue[tuple[str, Msg]] = asyncio.Queue()

    async def on_event(msg: Msg) -> None:
        queue.put_nowait(("event", msg))

    async def on_delta(msg: Msg) -> None:
        queue.put_nowait(("delta", msg))

    async def on_revoked(msg: Msg) -> None:
        queue.put_nowait(("revoked", msg))

    revocations = await nc.subscribe(watch.subject, cb=on_revoked) if watch else None
    deltas = await nc.subscribe(reply_stream_subject(tenant_id, conversation_id), cb=on_delta)
    # Live first, then the replay: anything appended in between is in one or the other (or both, skipped below).
    live = await nc.jetstream().subscribe(
        conversation_filter(tenant_id, conversation_id),
        cb=on_event,
        stream=EVENTS_STREAM,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.NEW,
    )
    try:
        if watch and await watch.revoked():
            yield REVOKED_FRAME
            return
        last = after
        for recorded in await log.read(tenant_id, conversation_id, after):
            last = recorded.position
            frame = frame_for(recorded)
            if frame is not None:
                yield frame
        loop = asyncio.get_running_loop()
        last_sent = loop.time()  # of the last frame yielded: events that make no frame must not hold keep-alives back
        while True:
            wait = None if keep_alive is None else max(0.0, last_sent + keep_alive - loop.time())
            try:
                kind, msg = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                last_sent = loop.time()
                yield KEEP_ALIVE_FRAME
                continue
            if kind == "revoked":
                yield REVOKED_FRAME
                return
            if kind == "delta":
                frame = _delta_of(msg)
            elif (position := msg.metadata.sequence.stream) > last:
                last = position
                frame = frame_for(RecordedEvent(position, decode(msg.data)))
            else:
                continue
            if frame is not None:
                last_sent = loop.time()
                yield frame
    finally:
        for sub in [s for s in (live, deltas, revocations) if s is not None]:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


def _delta_of(msg: Msg) -> dict[str, Any] | None:
    try:
        return delta_frame(ReplyDelta.model_validate_json(msg.data))
    except ValidationError:
        return None


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


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's IP as the server sees it (uvicorn takes it from ``X-Forwarded-For`` when the peer is one of
    ``FORWARDED_ALLOW_IPS``, by default 127.0.0.1: the gateway of ``deskpilot up``)."""
    return connection.client.host if connection.client else "unknown"


def _too_many(request: Request[Any, Any, Any], limited: Limited) -> HTTPException:
    return HTTPException(
        status_code=HTTP_429_TOO_MANY_REQUESTS,
        detail=limited.detail,
        headers={"Retry-After": limited.retry_after_header, **_cors(request)},
    )


def _limited_frame(limited: Limited) -> dict[str, Any]:
    return {"kind": "error", "code": "rate_limited", "detail": limited.detail, "retry_after": limited.retry_after}


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


async def _receive(
    runtime: ServiceRuntime, tenant_id: str, conversation_id: str, text: str, max_chars: int, key: str | None
) -> MessageAccepted:
    async with runtime.unit_of_work() as uow:
        recorded = await service.receive_message(
            runtime.event_log, ConversationRepository(uow.session), tenant_id, conversation_id, text, max_chars, key
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
            accepted = await _receive(
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
        after: Annotated[int, QueryParameter(ge=0)] = 0,
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
        return _preflight(request)

    @route("/{conversation_id:str}", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_history(self, request: Request[Any, Any, Any]) -> Response[None]:
        return _preflight(request)

    @route("/{conversation_id:str}/messages", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_messages(self, request: Request[Any, Any, Any]) -> Response[None]:
        return _preflight(request)

    @route("/{conversation_id:str}/csat", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_csat(self, request: Request[Any, Any, Any]) -> Response[None]:
        return _preflight(request)

    @route("/{conversation_id:str}/events", http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def cors_events(self, request: Request[Any, Any, Any]) -> Response[None]:
        return _preflight(request)

    @get("/{conversation_id:str}/events")
    async def stream(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[str],
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        after: Annotated[int | None, QueryParameter(ge=0)] = None,
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


async def _client_message(
    runtime: ServiceRuntime,
    access: WidgetAccess,
    conversation_id: str,
    raw: str,
    max_chars: int,
    admit: Callable[[], Limited | None],
) -> dict[str, Any]:
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
    limited = admit()
    if limited:
        return _limited_frame(limited)
    key = data.get("idempotency_key")
    try:
        accepted = await _receive(
            runtime,
            access.tenant_id,
            conversation_id,
            text,
            max_chars,
            key if isinstance(key, str) and 0 < len(key) <= 200 else None,
        )
    except service.MessageTooLarge as exc:
        return {"kind": "error", "detail": str(exc)}
    return {"kind": "accepted", "position": accepted.position, "message_id": accepted.message_id}


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
    lock = asyncio.Lock()

    async def send(frame: dict[str, Any]) -> None:
        async with lock:
            await socket.send_json(frame)

    watch = widget_key_watch(runtime, access)

    async def pump() -> None:
        feed = chat_feed(runtime.nc, runtime.event_log, access.tenant_id, conversation_id, after, watch=watch)
        try:
            async with contextlib.aclosing(feed):
                async for frame in feed:
                    await send(frame)
                    if frame is REVOKED_FRAME:
                        await socket.close(code=1008)
                        return
        except Exception:
            # e.g. NATS unreachable: close, so that the client reconnects (with its position) instead of waiting
            log.exception("web chat delivery failed for %s", conversation_id)
            with contextlib.suppress(Exception):
                await socket.close(code=1011)

    def admit() -> Limited | None:
        return widget_limiter.admit(WidgetAction.MESSAGE, access.key_id, client_address(socket))

    pumping = asyncio.create_task(pump())
    loop = asyncio.get_running_loop()
    checked_at = loop.time()
    try:
        while True:
            raw = await socket.receive_text()
            if loop.time() - checked_at >= settings.widget_recheck_seconds:
                checked_at = loop.time()
                if await watch.revoked():  # the notice on NATS may have been missed: never take it on trust
                    await send(REVOKED_FRAME)
                    await socket.close(code=1008)
                    return
            answer = await _client_message(runtime, access, conversation_id, raw, settings.max_message_chars, admit)
            await send(answer)
    except WebSocketDisconnect:
        pass
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pumping
