"""The HTTP side every service shares: the Litestar app, health and readiness, errors, and tenant authentication.

Errors are RFC 9457 problem documents (``libs.platform.problems``): 401 for a missing or unknown API key (always
before any 422: ``libs.platform.edge`` authenticates before anything is validated), 400 for hostile input stopped at
the edge, 404 for anything that does not exist *for this tenant* (another tenant's ids are indistinguishable from
absent ones), 413 for an oversized body, 422 naming each invalid or missing field in ``errors``. An infrastructure
outage (PostgreSQL away, JetStream without a leader: ``libs.platform.faults``) answers 503 ``unavailable`` with
``Retry-After``, so a client knows that retrying is safe; anything else unexpected is a 500.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Litestar, Request, Response, get
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.exceptions import (
    ClientException,
    HTTPException,
    InternalServerException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import Parameter, QueryParameter
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, ControllerRouterHandler, Message, Receive, Scope, Send
from opentelemetry import propagate, trace
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BeforeValidator

from libs.platform import metrics
from libs.platform.edge import HOLDER, Edge
from libs.platform.faults import is_transient
from libs.platform.problems import PROBLEM_JSON, problem
from libs.platform.row_security import narrow_request, request_scope
from libs.platform.runtime import ServiceRuntime
from libs.platform.tenancy import KeyHolder

log = logging.getLogger("deskpilot.http")
tracer = trace.get_tracer("deskpilot.http")

# Handler parameters injected by name (see build_app).
TenantId = NamedDependency[str]
Runtime = NamedDependency[ServiceRuntime]

PathId = Annotated[
    str, Parameter(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="An id: letters, digits, `_` and `-`, 1-64.")
]
"""A path id that becomes a NATS subject token (a conversation's, a tool call's): anything else is refused with
422 before a handler sees it."""
ConversationId = PathId

INT32_MAX = 2**31 - 1
LOG_POSITION_MAX = 2**53 - 1
"""The last position an event log's query may name: JetStream counts in 64 bits (beyond them was a 500), and
2^53-1 is the largest integer every JSON reader holds exactly (a float bound of 2^63-1 let a fuzzer send
9223372036854775999 as valid)."""
PathNumber = Annotated[int, Parameter(ge=1, le=INT32_MAX, description="A positive number, at most 2³¹-1.")]
"""A number in the path that is a PostgreSQL ``integer`` (a release's number): beyond it is 422, not a 500 from the
driver."""


_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_PORT = "([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
HTTP_URL = rf"^https?://(({_OCTET}\.){{3}}{_OCTET}|([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*)(:{_PORT})?(/[\x21-\x7e]*)?$"
"""An http(s) URL a tenant gives the platform to call (a site to crawl, an MCP server): a host name (its last label
starting with a letter) or an IPv4 address, an optional port and a path of printable ASCII. A pattern the contract
states and the models enforce alike, so that every URL it allows is parsed, and none it refuses is taken."""


TIMESTAMP_PATTERN = (
    r"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
TimestampQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=TIMESTAMP_PATTERN,
        format="date-time",
        description="An RFC 3339 (ISO 8601) timestamp with its offset: `2026-05-01T09:30:00Z`, "
        "`2026-05-01T11:30:00.5+02:00`. Anything else (a date alone, no offset, a Unix time) is 422.",
    ),
]
"""A point in time in a query: Litestar's own conversion of ``datetime`` would take ``0.5`` as a Unix time and a
timestamp without an offset as one of no zone. Read it with :func:`timestamp`."""


def timestamp(value: str | None, name: str) -> datetime | None:
    """A :data:`TimestampQuery` as an aware datetime in UTC (422 for a day the calendar lacks, ``02-30``). An offset
    that takes it before year 1 or after 9999 is before or after every record: the earliest or latest time."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationException(
            f"invalid or missing: {name}", extra=[{"key": name, "message": "not a date and time that exists"}]
        ) from None
    try:
        return when.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if when.year == 1 else datetime.max.replace(tzinfo=UTC)


def _json_boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("Input should be true or false")
    return value


def json_number(value: Any) -> Any:
    """A before-validator: a JSON number only. Bounds go before it, so that they reach the schema as bounds:
    ``Annotated[float, Field(ge=0), BeforeValidator(json_number)]``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Input should be a number")
    return value


def json_integer(value: Any) -> Any:
    """A before-validator: a JSON integer only (not ``false`` or ``"5"``; ``5.0`` is one, as JSON Schema has it);
    bounds go before it."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise ValueError("Input should be an integer")
    return value


JsonBool = Annotated[bool, BeforeValidator(_json_boolean)]
"""A request field that is a JSON boolean and nothing else, as the contract says: Litestar validates request models
in pydantic's lax mode whatever a field says of strictness, which takes 0, 1 or "yes" for a boolean."""
JsonNumber = Annotated[float, BeforeValidator(json_number)]
"""A request field that is a JSON number and nothing else (not ``false``, not ``"5"``); see :data:`JsonBool`."""


def exactly_one_of(*fields: str) -> dict[str, Any]:
    """``json_schema_extra`` of a request model whose validator wants exactly one of ``fields`` given (not null): so
    the contract says it, and a client (or a fuzzer) reading it does not send neither or both."""
    return {"oneOf": [{"required": [f], "properties": {f: {"not": {"type": "null"}}}} for f in fields]}


class ConflictException(ClientException):
    """409: the request is well formed, and what the server holds refuses it (an object it names does not exist, a
    state that does not allow it): a status the contract documents, where a 422 would say the request's shape was
    wrong although the schema allows it."""

    status_code = HTTP_409_CONFLICT


HUMAN_AGENTS: dict[str, Any] = {"human_agents": True}
"""``opt`` of a route a human agent's sign-in key may call (an issued key with role ``agent``): what working a
ticket needs, such as reading its conversation and deciding an approval. Every other route needs a key that acts
as the tenant (its own, or an issued owner or admin key) and answers 403 to an agent's."""


def _fields(extra: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            field = item.get("key") or item.get("loc") or "body"
            out.append({"field": str(field), "message": str(item.get("message", ""))})
    return out


def _problem(status: int, detail: str, code: str | None = None, **kwargs: Any) -> Response[dict[str, Any]]:
    return Response(problem(status, detail, code, kwargs.pop("errors", None)), status_code=status, **kwargs)


def _body_errors(exc: Exception) -> list[dict[str, str]] | None:
    """The request body's field errors behind ``exc``, when pydantic found them.

    Litestar drops a body field's error whose name is also a dependency's (a body's ``tenant_id``) as if the injected
    value had failed, and answers 500 when no other error is left. These errors come from validating the body model
    (what the client sent), never a dependency: they are all the client's.
    """
    cause = exc.__cause__
    if not isinstance(cause, ExtendedMsgSpecValidationError):
        return None
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())) or "body",
            "message": str(error.get("msg", "invalid")).split(" - ", maxsplit=1)[0],
        }
        for error in cause.errors
    ]


def _invalid(fields: list[dict[str, str]]) -> Response[dict[str, Any]]:
    names = ", ".join(f["field"] for f in fields) or "body"
    return _problem(422, f"invalid or missing: {names}", errors=fields, media_type=PROBLEM_JSON)


def validation_error(_request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    return _invalid(_body_errors(exc) or _fields(exc.extra))


def http_error(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    headers = dict(exc.headers or {})
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    code = exc.extra.get("code") if isinstance(exc.extra, dict) else None
    errors = _fields(exc.extra.get("errors")) if isinstance(exc.extra, dict) else []  # a 409's fields, by name
    return _problem(
        exc.status_code, str(exc.detail), code, media_type=PROBLEM_JSON, headers=headers or None, errors=errors or None
    )


OUTAGE_RETRY_AFTER_S = 2


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, InternalServerException) and (fields := _body_errors(exc)):
        return _invalid(fields)
    if is_transient(exc):
        # No trace: the consumers log an outage once; a line per request says which requests it turned away.
        log.warning("%s %s: infrastructure unavailable (%s); answered 503", request.method, request.url.path, exc)
        runtime = request.app.state.get("runtime")
        service = runtime.name if isinstance(runtime, ServiceRuntime) else "the service"
        detail = f"{service} cannot reach its database or event log right now; retry after a moment"
        headers = {"Retry-After": str(OUTAGE_RETRY_AFTER_S)}
        return _problem(503, detail, media_type=PROBLEM_JSON, headers=headers)
    # Never echo the exception: it may carry data that must not leave the service. It is in the service log.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(500, "internal error; see the service log", media_type=PROBLEM_JSON)


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, sync_to_thread=False)


def _scoped_requests(app: ASGIApp) -> ASGIApp:
    """Each request its own tenant scope (``libs.platform.row_security``), narrowed once its key is known."""

    async def scoped(scope: Scope, receive: Receive, send: Send) -> None:
        with request_scope():
            await app(scope, receive, send)

    return scoped


def observed(service: str) -> Any:
    """Middleware that measures each HTTP request (``deskpilot_http_*``, by route template) and makes it a server
    span, continuing the caller's trace from its ``traceparent`` (a no-op span when tracing is off)."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            method, route = str(scope.get("method", "")), scope.get("path_template") or "unmatched"
            status = 500  # unless the response starts: an exception that escaped every handler
            started = time.perf_counter()

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            with tracer.start_as_current_span(
                f"{method} {route}", context=propagate.extract(carrier), kind=trace.SpanKind.SERVER
            ) as span:
                try:
                    await app(scope, receive, sending)
                finally:
                    if span.is_recording():
                        span.set_attribute("http.request.method", method)
                        span.set_attribute("http.route", route)
                        span.set_attribute("http.response.status_code", status)
                        if status >= 500:
                            span.set_status(trace.StatusCode.ERROR)
                    metrics.HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
                    metrics.HTTP_DURATION.labels(service, method, route).observe(time.perf_counter() - started)

        return measured

    return middleware


def _allow_every_method(app: Litestar) -> None:
    """``Allow`` of an OPTIONS answer lists every method of the path. Litestar's own OPTIONS handler lists those of
    the route it was made for, which misses the methods a later handler of the same path adds (``GET /policy`` and
    ``PUT /policy`` answered ``Allow: GET, OPTIONS``)."""
    methods = {
        route.path_format: ", ".join(sorted(route.methods)) for route in app.routes if isinstance(route, HTTPRoute)
    }

    async def fix_allow(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start" and scope.get("method") == "OPTIONS":
            allow = methods.get(str(scope.get("path_template", "")))
            if allow and message["status"] == 204:
                headers = MutableScopeHeaders.from_message(message)
                headers["Allow"] = allow

    app.before_send.append(fix_allow)


def build_app(runtime: ServiceRuntime, handlers: Sequence[ControllerRouterHandler], **dependencies: Any) -> Litestar:
    """The service's Litestar app: its handlers, ``/v1/<service>/healthz`` and ``/readyz``, ``/metrics``, auth,
    errors, and every request measured and traced.

    ``runtime`` is always injectable by handlers; ``dependencies`` adds more (settings, model, …).
    """

    @get(f"/v1/{runtime.name}/healthz", sync_to_thread=False, include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @get(f"/v1/{runtime.name}/readyz", include_in_schema=False)
    async def readyz() -> Response[dict[str, str]]:
        ok = await runtime.ready()
        return Response(
            {"status": "ready" if ok else "not ready", "service": runtime.name}, status_code=200 if ok else 503
        )

    @get("/metrics", sync_to_thread=False, include_in_schema=False)
    def prometheus_metrics() -> Response[bytes]:
        """The process's metrics in Prometheus' text format (``libs.platform.metrics``), for a scraper on the pod."""
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def tenant_id(request: Request[Any, Any, Any]) -> str:
        authenticated = request.scope.get(HOLDER)
        if isinstance(authenticated, KeyHolder):  # the edge did it (and narrowed the request), before validation
            return authenticated.tenant_id
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise NotAuthorizedException("send your API key as 'Authorization: Bearer <key>'")
        holder = await runtime.tenants.holder(key.strip())
        if holder is None:
            raise NotAuthorizedException("unknown API key")
        if not holder.acts_as_tenant and not request.route_handler.opt.get("human_agents"):
            raise PermissionDeniedException("a human agent's key cannot do this; it needs an owner's or admin's key")
        narrow_request(holder.tenant_id)  # row-level security: from here on, only this tenant's rows
        return holder.tenant_id

    deps: dict[str, Provide] = {"tenant_id": Provide(tenant_id), "runtime": _constant(runtime)}
    deps.update({name: _constant(value) for name, value in dependencies.items()})
    app = Litestar(
        route_handlers=[healthz, readyz, prometheus_metrics, *handlers],
        # Measured and traced outermost, so that what the edge refuses (401, 400) is counted too; then the tenant
        # scope (row-level security), inside which the edge authenticates.
        middleware=[observed(runtime.name), _scoped_requests, Edge.of(runtime)],
        dependencies=deps,
        lifespan=[runtime.lifespan],
        exception_handlers={
            ValidationException: validation_error,
            HTTPException: http_error,
            HTTP_500_INTERNAL_SERVER_ERROR: internal_error,
        },
        request_max_body_size=runtime.settings.max_body_bytes,
        state=State({"runtime": runtime}),
        debug=False,
    )
    _allow_every_method(app)
    return app
