"""The edge of every service: who is calling, then whether the request is fit to reach a handler — in one place.

Runs after routing and before any handler, parameter parsing or body decoding, in this order:

1. **Authentication.** A route whose handler (or one of its dependencies) takes ``tenant_id`` needs a key: no key or
   an unknown one answers 401, a human agent's key on a route without ``HUMAN_AGENTS`` 403 — before anything about
   the request is validated (so a request without a key never learns which parameters a route wants). A route that
   takes ``caller`` instead (ticketing) is authenticated the same way by the service's own lookup
   (``ServiceRuntime.callers``), which knows human agents' keys and sign-ins. Either way the request is then
   narrowed to the key's tenant (``libs.platform.row_security``: its transactions see that tenant's rows only), and
   a POST may carry an ``Idempotency-Key`` (``libs.platform.idempotency``, kept per that tenant). A route with
   ``OPERATOR`` needs the operator's key instead (``DESKPILOT_OPERATOR_KEY``, compared in constant time).
2. **Hostile input** answers 400 ``hostile_input`` / ``malformed_json``: a path or query string that is not UTF-8 or
   holds a NUL or another control character; a JSON body that is not UTF-8, is nested deeper than
   ``MAX_JSON_DEPTH``, holds a NUL or a lone surrogate in any string (keys included), a number beyond 64 bits or
   not finite, or is no JSON at all. PostgreSQL refuses NUL in text, NATS subjects and Python's recursion have their
   limits; none of that is any handler's business.

What is left — types, ranges, required fields — is each route's schema (422 ``invalid_request``).
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from libs.platform.faults import is_transient
from libs.platform.idempotency import MAX_KEY, IdempotencyKeys, request_digest
from libs.platform.problems import PROBLEM_JSON, problem_bytes
from libs.platform.row_security import narrow_request
from libs.platform.tenancy import KeyHolder, TenantDirectory, Tenanted, key_digest

MAX_JSON_DEPTH = 32
"""The deepest a JSON body may nest (objects and arrays); no request of the API needs a tenth of it."""
INT_RANGE = (-(2**63), 2**63 - 1)
IN_FLIGHT_POLLS = 200
"""How often (every 50 ms, so 10 s) a retry polls for the answer of the request that holds its Idempotency-Key."""
log = logging.getLogger("deskpilot.edge")
OPERATOR: dict[str, Any] = {"operator": True}
"""``opt`` of a route of the operator API: only the operator's key (``DESKPILOT_OPERATOR_KEY``) may call it."""
HOLDER = "deskpilot.key_holder"
"""Where the edge leaves the authenticated :class:`KeyHolder` in the ASGI scope for the ``tenant_id`` dependency."""
CALLER = "deskpilot.caller"
"""Where the edge leaves who calls (``ServiceRuntime.callers``) in the ASGI scope for the ``caller`` dependency."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class Refused(Exception):
    def __init__(self, status: int, detail: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.code, self.headers = status, detail, code, headers or {}


def needs_tenant(handler: Any) -> bool:
    """Whether ``handler`` or a dependency it uses (transitively) takes ``tenant_id``."""
    return _takes(handler, "tenant_id")


def needs_caller(handler: Any) -> bool:
    """Whether ``handler`` or a dependency it uses (transitively) takes ``caller``: a service's own notion of who
    calls (ticketing: a key that acts as the tenant, or a human agent), looked up by ``ServiceRuntime.callers``."""
    return _takes(handler, "caller")


def _takes(handler: Any, wanted: str) -> bool:
    cached = _TAKES.get((id(handler), wanted))
    if cached is not None and cached[0] is handler:
        return cached[1]
    deps = handler.resolve_dependencies()
    todo, seen, found = list(handler.parsed_fn_signature.parameters), set(), False
    while todo and not found:
        name = todo.pop()
        if name == wanted:
            found = True
        elif name in deps and name not in seen:
            seen.add(name)
            todo.extend(inspect.signature(deps[name].dependency).parameters)
    _TAKES[(id(handler), wanted)] = (handler, found)  # the handler is kept, so its id is never another's
    return found


_TAKES: dict[tuple[int, str], tuple[Any, bool]] = {}


def _screen_text(where: str, raw: bytes) -> None:
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, f"the {where} is not UTF-8", "hostile_input") from None
    if _CONTROL.search(text):
        raise Refused(400, f"the {where} holds a control character", "hostile_input")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number out of range")
    return value


def _integer(text: str) -> int:
    value = int(text)
    if not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ValueError("an integer beyond 64 bits")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _walk(value: Any) -> None:
    """Raise on a NUL or a lone surrogate in any string of a decoded JSON value (iteratively: depth is bounded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _BAD_TEXT.search(item):
                raise Refused(400, "a text field holds a NUL or a lone surrogate", "hostile_input")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def screen_json(body: bytes) -> None:
    """Raise :class:`Refused` unless ``body`` is a JSON text fit for a handler (see the module docstring)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8", "hostile_input") from None
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    if deepest > MAX_JSON_DEPTH:
        raise Refused(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels", "hostile_input")
    try:
        value = json.loads(text, parse_float=_number, parse_int=_integer, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, f"the body is not valid JSON: {exc}", "malformed_json") from None
    _walk(value)


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


async def _read_body(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "the client went away", "bad_request")
        body.extend(message.get("body", b""))  # type: ignore[arg-type]
        if len(body) > limit:
            raise Refused(413, f"the body is larger than {limit} bytes", "too_large")
        if not message.get("more_body"):
            return bytes(body)


class Edge(ASGIMiddleware):
    """Authentication, then hostile-input screening, before any handler (see the module docstring)."""

    scopes: tuple[ScopeType, ...] = (ScopeType.HTTP,)

    def __init__(
        self,
        tenants: TenantDirectory,
        max_body_bytes: int,
        idempotency: IdempotencyKeys | None = None,
        operator_key: str | None = None,
        callers: Callable[[str], Awaitable[Tenanted | None]] | None = None,
    ):
        self.callers = callers
        self.tenants = tenants
        self.max_body_bytes = max_body_bytes
        self.idempotency = idempotency
        self.operator_key = operator_key

    @classmethod
    def of(cls, runtime: Any) -> Edge:
        """The edge of a service's ``ServiceRuntime``: its tenants, body limit, idempotency keys, operator key."""
        operator = runtime.settings.operator_key
        key = operator.get_secret_value() if operator is not None else None
        return cls(runtime.tenants, runtime.settings.max_body_bytes, runtime.idempotency, key, runtime.callers)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        tenant, key, body = None, None, b""
        try:
            tenant = await self.authenticate_route(scope)
            _screen_text("path", scope.get("raw_path") or scope["path"].encode())
            _screen_text("query string", scope.get("query_string", b""))
            post = scope.get("method") == "POST"
            key = _idempotency_key(scope) if tenant and self.idempotency and post else None
            if key is not None or _is_json(scope):
                body = await _read_body(receive, self.max_body_bytes)
                if body and _is_json(scope):
                    screen_json(body)
                receive = _replay(body, receive)
        except Refused as refused:
            await _refuse(send, refused)
            return
        if key is None or tenant is None or self.idempotency is None:
            await next_app(scope, receive, send)
            return
        await idempotent(self.idempotency, tenant, key, body, (scope, receive, send), next_app)

    async def authenticate_route(self, scope: Scope) -> str | None:
        """Who the route wants, authenticated; the tenant the key speaks for (None: the route is for no tenant).
        From here on the request's database work is that tenant's only (row-level security), whichever way the
        key was recognised: the one place every service's requests are narrowed."""
        handler = scope["route_handler"]
        who: Tenanted | None = None
        if handler.opt.get("operator"):
            self.authenticate_operator(scope)
        elif needs_tenant(handler):
            who = await self.authenticate(scope)
            scope[HOLDER] = who  # type: ignore[literal-required]
        elif self.callers is not None and needs_caller(handler):
            who = await self.authenticate_caller(scope)
            scope[CALLER] = who  # type: ignore[literal-required]
        if who is None:
            return None
        narrow_request(who.tenant_id)
        return who.tenant_id

    def authenticate_operator(self, scope: Scope) -> None:
        """The operator's key (``DESKPILOT_OPERATOR_KEY``), compared in constant time; no tenant's key passes."""
        key = _bearer(scope, "the operator key")
        if self.operator_key is None:
            raise Refused(401, "the operator API is off: no DESKPILOT_OPERATOR_KEY is configured", headers=_CHALLENGE)
        if not hmac.compare_digest(key.encode("utf-8", "replace"), self.operator_key.encode()):
            raise Refused(401, "not the operator key", headers=_CHALLENGE)

    async def authenticate_caller(self, scope: Scope) -> Tenanted:
        """The service's own lookup of the key (``ServiceRuntime.callers``); 401 for an unknown key. What the
        caller may do is the route's to decide (403)."""
        assert self.callers is not None
        caller = await self.callers(_bearer(scope, "your API key"))
        if caller is None:
            raise Refused(401, "unknown API key", headers=_CHALLENGE)
        return caller

    async def authenticate(self, scope: Scope) -> KeyHolder:
        key = _bearer(scope, "your API key")
        if len(key) > 200 or not key.isascii() or not key.isprintable():
            raise Refused(401, "unknown API key", headers=_CHALLENGE)
        holder = await self.tenants.holder(key)
        if holder is None:
            raise Refused(401, "unknown API key", headers=_CHALLENGE)
        if not holder.acts_as_tenant and not scope["route_handler"].opt.get("human_agents"):
            raise Refused(403, "a human agent's key cannot do this; it needs an owner's or admin's key")
        return holder


_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _bearer(scope: Scope, what: str) -> str:
    header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Refused(401, f"send {what} as 'Authorization: Bearer <key>'", headers=_CHALLENGE)
    return key


def _replay(body: bytes, then: Receive) -> Receive:
    """``receive`` that gives the body read already, then what the client sends next (its disconnect)."""
    sent = False

    async def receive() -> ReceiveMessage:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Send, refused: Refused) -> None:
    raw = problem_bytes(refused.status, refused.detail, refused.code)
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(raw)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in refused.headers.items()]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": raw, "more_body": False})


def _credential(scope: Scope) -> str:
    """The digest of the Bearer key the request came with ("" with none): whom a stored answer may be replayed to."""
    header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"authorization"), "")
    return key_digest(header.partition(" ")[2].strip()) if header else ""


def _idempotency_key(scope: Scope) -> str | None:
    raw = next((v for k, v in scope["headers"] if k == b"idempotency-key"), None)
    if raw is None:
        return None
    key = raw.decode("latin-1").strip()
    if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise Refused(422, f"Idempotency-Key must be 1-{MAX_KEY} printable ASCII characters", "invalid_request")
    return key


ANSWER_LOST = (
    "a request with this Idempotency-Key was answered, but that answer can no longer be read (it was sealed under a "
    "retired master key); the request was not run again: send it with a new Idempotency-Key to run it again"
)


async def idempotent(
    keys: IdempotencyKeys,
    tenant_id: str,
    key: str,
    body: bytes,
    call: tuple[Scope, Receive, Send],
    next_app: ASGIApp,
) -> None:
    """Answer a POST with an ``Idempotency-Key`` once; replay that answer to its retries (see
    ``libs.platform.idempotency``)."""
    scope, receive, send = call
    target = (scope.get("raw_path") or scope["path"].encode()) + b"?" + scope.get("query_string", b"")
    digest = request_digest(str(scope.get("method")), target, body, _credential(scope))
    stored = await keys.claim(tenant_id, key, digest)
    # A concurrent retry waits (bounded) for the first request's answer and gets it, rather than a 409.
    for _ in range(IN_FLIGHT_POLLS):
        if stored is None or not stored.same_request or stored.status is not None:
            break
        await asyncio.sleep(0.05)
        stored = await keys.claim(tenant_id, key, digest)
    if stored is not None:
        if not stored.same_request:
            await _refuse(
                send, Refused(422, "this Idempotency-Key was used for another request", "idempotency_key_reused")
            )
        elif stored.unreadable:
            await _refuse(send, Refused(409, ANSWER_LOST, "idempotency_answer_lost"))
        elif stored.status is None:
            await _refuse(
                send,
                Refused(
                    409, "a request with this Idempotency-Key is still being answered; retry", "idempotency_key_in_use"
                ),
            )
        else:
            await _replay_answer(send, stored.status, stored.content_type, stored.body or b"")
        return
    status, content_type, chunks = 500, None, []

    async def capture(message: Any) -> None:
        nonlocal status, content_type
        if message["type"] == "http.response.start":
            status = message["status"]
            content_type = next(
                (v.decode("latin-1") for k, v in message.get("headers", []) if k.lower() == b"content-type"), None
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    try:
        await next_app(scope, receive, capture)
    finally:
        await settle(keys, tenant_id, key, (status, content_type, b"".join(chunks)))


SETTLE_RETRY_S = 1.0
SETTLE_FOR_S = 600.0
"""How often, and for how long, an answer that could not be stored (the database away) is stored again in the
background; until it is, a retry with the same key waits, then gets 409 ``idempotency_key_in_use``."""
_settling: set[asyncio.Task[None]] = set()
Answer = tuple[int, str | None, bytes]


async def settle(keys: IdempotencyKeys, tenant_id: str, key: str, answer: Answer) -> None:
    """Store the answer for replay (or release the key after a 5xx). With the database away, that is done in the
    background as soon as it is back: else the claim stayed open for 24 hours, and the client's retry after the
    outage's 503 got 409 ``idempotency_key_in_use`` for good (seen: two 409s in a 60 s PostgreSQL stop)."""
    try:
        await keys.complete(tenant_id, key, *answer)
    except Exception as exc:
        if not is_transient(exc):
            raise
        task = asyncio.create_task(_settle_later(keys, tenant_id, key, answer))
        _settling.add(task)
        task.add_done_callback(_settling.discard)


async def _settle_later(keys: IdempotencyKeys, tenant_id: str, key: str, answer: Answer) -> None:
    deadline = asyncio.get_running_loop().time() + SETTLE_FOR_S
    while True:
        await asyncio.sleep(SETTLE_RETRY_S)
        try:
            await keys.complete(tenant_id, key, *answer)
            return
        except Exception as exc:
            if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                log.error("tenant %s: an idempotency key stays claimed, its answer not stored (%r)", tenant_id, exc)
                return


async def _replay_answer(send: Send, status: int, content_type: str | None, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
    if content_type:
        headers.append((b"content-type", content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
