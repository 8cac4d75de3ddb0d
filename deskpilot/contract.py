"""The public API as one OpenAPI 3.1 document: every service's operations, how each is authenticated, every status
it can answer, one error model.

Each service's app is built as ``deskpilot serve`` builds it (``deskpilot.architecture_docs``) and its Litestar
document merged into one; then every operation gets its ``security`` (from what the edge demands of its handler:
an API key, also a human agent's key on ``HUMAN_AGENTS`` routes, a widget key on the chat routes, the operator's key
on the operator API, or nothing), and its error answers as RFC 9457 problem documents: 400 (hostile input)
everywhere, the gateway's own refusals everywhere (413 too large, 429 rate limited and 503 a service not ready, both
with ``Retry-After``), 401/403 where a key is needed, 404 where the path names something, 422 where there is
input, and the statuses its handler raises. Request bodies say exactly what they accept (``additionalProperties:
false``, as the models forbid extra fields).

The document is committed as ``docs/openapi.json`` and served at ``/openapi.json`` by the web front end (a reference
page at ``/reference``; every edge routes both there). Regenerate: ``.venv/bin/python -m deskpilot.contract``;
``tests/contract`` fails until you do.
"""

from __future__ import annotations

import inspect
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from litestar import Litestar
from litestar._openapi.schema_generation import schema as litestar_schema
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.response import ServerSentEvent
from litestar.routes import HTTPRoute

from deskpilot.architecture_docs import OPTIONAL, _build
from deskpilot.contract_inputs import (
    DECIMAL,
    JSON_VALUE,
    JSON_VALUE_SCHEMA,
    NON_NEGATIVE_DECIMAL,
    body_schemas,
    screen_body,
    screen_parameters,
)
from deskpilot.supervisor import SERVICES
from libs.platform.edge import needs_caller, needs_tenant
from libs.platform.problems import CODES, TITLES, problem_schema

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "openapi.json"
"""The public API's contract as committed; served at ``/openapi.json`` by the web front end (web/reference.py)."""
VERSION = "1.0.0"
EVENT_STREAM = "text/event-stream"
SERVER_SENT_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "One event of the stream: `event` names it, `data` is its JSON text.",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
    "additionalProperties": {"type": "string"},
}

SECURITY_SCHEMES: dict[str, Any] = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "The tenant's API key (`dp_…`) or an issued owner's or admin's key.",
    },
    "humanAgentKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A human agent's key (its sign-in `dps_…` or its own `dpa_…`); only where listed.",
    },
    "operatorKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "The platform operator's key (`DESKPILOT_OPERATOR_KEY`; `deskpilot up` generates one and "
        "prints it); only on the operator API (`/v1/operator/…`). No tenant's key is accepted there.",
    },
    "widgetKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Widget-Key",
        "description": "A public widget key (`dpw_…`), valid only from its allowed origins (the `key` query "
        "parameter works too, for WebSockets and EventSource).",
    },
}
_RAISED = {
    "NotFoundException": 404,
    "PermissionDeniedException": 403,
    "NotAuthorizedException": 401,
    "ValidationException": 422,
    "ChatRefused": 403,
    "ConflictException": 409,
}
_STATUS = re.compile(r"HTTP_(\d{3})_|status_code=(\d{3})|ChatRefused\((\d{3})")


_numbers = litestar_schema.create_numerical_constrained_field_schema  # type: ignore[attr-defined]


def _decimal_as_string(field_type: type[Any], kwarg_definition: Any) -> Schema:
    """Money (``Decimal``) is a decimal string on the wire (pydantic writes it so): document it as one."""
    if not issubclass(field_type, Decimal):
        return _numbers(field_type, kwarg_definition)
    non_negative = kwarg_definition.ge is not None and kwarg_definition.ge >= 0
    return Schema(
        type=OpenAPIType.STRING,
        format=cast(OpenAPIFormat, "decimal"),
        pattern=NON_NEGATIVE_DECIMAL if non_negative else DECIMAL,
        description="A decimal number as a string (exact; money is in US dollars).",
    )


# Litestar documents a constrained Decimal as a number; these two places are where its schemas of Decimal come from.
litestar_schema.create_numerical_constrained_field_schema = _decimal_as_string  # type: ignore[attr-defined]
litestar_schema.TYPE_MAP[Decimal] = Schema(
    type=OpenAPIType.STRING, format=cast(OpenAPIFormat, "decimal"), pattern=DECIMAL
)


def _ref_renamer(service: str, names: set[str], shared: dict[str, Any], schemas: dict[str, Any]) -> dict[str, str]:
    """New names for this service's component schemas: kept when free or identical, else prefixed."""
    out: dict[str, str] = {}
    for name in names:
        if name not in shared or shared[name] == schemas[name]:
            out[name] = name
        else:
            out[name] = service.capitalize() + name
    return out


def _rewrite_refs(value: Any, renames: dict[str, str]) -> Any:
    prefix = "#/components/schemas/"
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix):
            return {**value, "$ref": prefix + renames.get(ref[len(prefix) :], ref[len(prefix) :])}
        return {k: _rewrite_refs(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_refs(v, renames) for v in value]
    return value


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    found[(route.path_format, str(method).lower())] = handler
    return found


def _authenticates_itself(handler: HTTPRouteHandler) -> bool:
    """Ticketing's routes that take ``caller``: any key of the tenant, a human agent's included, checked by the
    route (403 when the key may not do it)."""
    return "caller" in handler.resolve_dependencies() and "caller" in inspect.signature(handler.fn).parameters


def _security(handler: HTTPRouteHandler) -> list[dict[str, list[str]]]:
    if handler.opt.get("operator"):
        return [{"operatorKey": []}]
    if _authenticates_itself(handler):
        return [{"apiKey": []}, {"humanAgentKey": []}]
    if needs_tenant(handler):
        schemes: list[dict[str, list[str]]] = [{"apiKey": []}]
        if handler.opt.get("human_agents"):
            schemes.append({"humanAgentKey": []})
        return schemes
    if ".chat." in handler.fn.__module__ and "OPTIONS" not in handler.http_methods:
        return [{"widgetKey": []}]
    return []


def _raised(handler: HTTPRouteHandler) -> set[int]:
    """Error statuses the handler's own code names (exceptions it raises, status constants it uses)."""
    try:
        source = inspect.getsource(handler.fn)
        # and the controller's helpers it calls (self._changed(...))
        owner = handler.fn.__globals__.get(handler.fn.__qualname__.split(".")[0])
        for name in sorted(set(re.findall(r"self\.(_\w+)\(", source))):
            source += inspect.getsource(getattr(owner, name)) if callable(getattr(owner, name, None)) else ""
        for name in sorted(set(re.findall(r"\bwith (\w+)\(\)", source))):  # error-mapping context managers
            mapper = handler.fn.__globals__.get(name)
            source += inspect.getsource(mapper) if inspect.isfunction(mapper) else ""
    except (OSError, TypeError):
        return set()
    statuses = {status for name, status in _RAISED.items() if name in source}
    if "domain_errors()" in source:  # ticketing's domain failures (services/ticketing/endpoints.py)
        statuses |= {403, 404, 409}
    if re.search(r"\brefused\(", source):  # a tenant's document refused (services/agent/sandbox/http.py)
        statuses |= {403, 409, 422}
    for match in _STATUS.finditer(source):
        status = int(next(g for g in match.groups() if g))
        if status >= 400:
            statuses.add(status)
    return statuses


GATEWAY_REFUSALS = {413, 429, 503}
"""What the gateway of ``deskpilot up`` (or the ingress) may answer for any operation before the service sees it
(``deskpilot.gateway_limits``, ``deskpilot.gateway``): a body above the service's limit, a key or client over its
rate limit, the owning service (re)starting. 429 and 503 carry ``Retry-After``."""
RETRY_AFTER = {
    "Retry-After": {
        "description": "Whole seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _errors(operation: dict[str, Any], path: str, handler: HTTPRouteHandler, secured: bool) -> set[int]:
    statuses = {400} | GATEWAY_REFUSALS | _raised(handler)
    if secured:
        statuses |= {401, 403}
    if "{" in path:
        statuses |= {404, 422}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    return statuses


IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same request, sent with the same API key, within 24 h "
    "replays the first answer (header `Idempotent-Replayed: true`); with another request, or from another API key, "
    "it is 422 `idempotency_key_reused`; 409 `idempotency_key_in_use` while the first is being answered; 409 "
    "`idempotency_answer_lost` when the first answer can no longer be read (the request is not run again: a new key "
    "runs it). Keys are per tenant.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x20-\\x7e]+$"},
}


def _idempotent(operation: dict[str, Any]) -> None:
    parameters = [p for p in operation.get("parameters", []) if p.get("name", "").lower() != "idempotency-key"]
    operation["parameters"] = [*parameters, IDEMPOTENCY_KEY]


_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "format": "format",
}


def _restore_bounds(operation: dict[str, Any], handler: HTTPRouteHandler) -> None:
    """The bounds of an optional query parameter (``int | None`` with ``ge=0``): Litestar drops them from the
    ``oneOf`` it writes, the handler still enforces them (422); state them on the non-null branch."""
    kwargs = {
        getattr(p.kwarg_definition, "query", None) or name: p.kwarg_definition
        for name, p in handler.parsed_fn_signature.parameters.items()
        if p.kwarg_definition is not None
    }
    for parameter in operation.get("parameters", []):
        definition = kwargs.get(parameter.get("name")) if parameter.get("in") == "query" else None
        branches = parameter.get("schema", {}).get("oneOf", [])
        if definition is None or not branches:
            continue
        for branch in branches:
            kind = branch.get("type")
            for attribute, keyword in _BOUNDS.items():
                value = getattr(definition, attribute, None)
                fits = (
                    kind == "string"
                    if attribute in ("min_length", "max_length", "pattern", "format")
                    else kind
                    in (
                        "integer",
                        "number",
                    )
                )
                if value is not None and fits:
                    branch.setdefault(keyword, value)


def _decorate(operation: dict[str, Any], path: str, handler: HTTPRouteHandler, method: str) -> None:
    security = _security(handler)
    operation["security"] = security
    _restore_bounds(operation, handler)
    screen_parameters(operation)
    if method == "post" and (needs_tenant(handler) or needs_caller(handler)):  # the edge's idempotent POSTs
        _idempotent(operation)
        operation.setdefault("responses", {})["409"] = {"$ref": "#/components/responses/conflict"}
    responses = operation.setdefault("responses", {})
    for status in sorted(_errors(operation, path, handler, bool(security))):
        responses[str(status)] = {"$ref": f"#/components/responses/{CODES.get(status, 'error')}"}
    if "requestBody" in operation:
        data = handler.parsed_fn_signature.parameters.get("data")
        optional = data is not None and (data.is_optional or data.has_default)  # no body at all is accepted
        operation["requestBody"]["required"] = operation["requestBody"].get("required", False) and not optional
    if handler.parsed_fn_signature.return_type.annotation is ServerSentEvent and "200" in responses:
        responses["200"]["content"] = {EVENT_STREAM: {"schema": SERVER_SENT_EVENT}}  # Litestar says JSON


def _close_objects(schema: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    """``additionalProperties: false`` on the request body's object schemas (the models forbid extra fields), and
    the edge's refusals on its strings and integers (``deskpilot.contract_inputs``)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen and name in schemas:
                seen.add(name)
                _close_objects(schemas[name], schemas, seen)
            return
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
        screen_body(schema)
        for key, value in schema.items():
            if key not in ("default", "examples", "const", "enum"):
                _close_objects(value, schemas, seen)
    elif isinstance(schema, list):
        for value in schema:
            _close_objects(value, schemas, seen)


def _error_responses() -> dict[str, Any]:
    return {
        code: {
            "description": TITLES[status],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            **({"headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}} if status == 401 else {}),
            **({"headers": RETRY_AFTER} if status in (429, 503) else {}),
        }
        for status, code in CODES.items()
    }


def _service_document(service: str) -> tuple[dict[str, Any], dict[tuple[str, str], HTTPRouteHandler]]:
    variable, value = OPTIONAL.get(service, ("", ""))
    app = _build(service, {variable: value} if variable else {})
    document, handlers = app.openapi_schema.to_schema(), _handlers(app)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for (path, method), handler in handlers.items():
        body = handler.parsed_fn_signature.parameters.get("data")
        if body is not None and "requestBody" in document["paths"].get(path, {}).get(method, {}):
            schemas.update(body_schemas(body.annotation))  # what the model accepts, not Litestar's rendering of it
    return document, handlers


def _merge(document: dict[str, Any], service: str) -> None:
    sub, handlers = _service_document(service)
    shared = document["components"]["schemas"]
    schemas = sub.get("components", {}).get("schemas", {})
    renames = _ref_renamer(service, set(schemas), shared, schemas)
    for name, schema in schemas.items():
        shared[renames[name]] = _rewrite_refs(schema, renames)
    for path, item in _rewrite_refs(sub.get("paths", {}), renames).items():
        for method, operation in item.items():
            handler = handlers.get((path, method))
            if handler is None or not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation.setdefault("tags", [service])
            _decorate(operation, path, handler, method)
        document["paths"][path] = item


def build() -> dict[str, Any]:
    """The whole public API's OpenAPI 3.1 document."""
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Deskpilot API",
            "version": VERSION,
            "description": "Every service's public API on one port (the gateway of `deskpilot up`, an ingress in "
            "Kubernetes). Errors are RFC 9457 problem documents: branch on `code`. Money is a decimal string.",
        },
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {
            "schemas": {"Problem": problem_schema()},
            "securitySchemes": SECURITY_SCHEMES,
            "responses": _error_responses(),
        },
    }
    for service in SERVICES:
        _merge(document, service)
    schemas = document["components"]["schemas"]
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                # The edge screens JSON bodies; a file sent as the body (an import) is bytes, whatever they hold.
                json_body = operation["requestBody"].get("content", {}).get("application/json")
                _close_objects(json_body, schemas, {JSON_VALUE})
    schemas[JSON_VALUE] = JSON_VALUE_SCHEMA
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, default=str) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
