"""The one error model of the public API: RFC 9457 ``application/problem+json`` with a stable ``code``.

Every error a client can get — from a service, from the edge screening in front of its handlers, from the gateway
of ``deskpilot up`` — is a problem document::

    {"type": "https://deskpilot.dev/problems/not_found", "title": "Not found", "status": 404,
     "detail": "no conversation c_123", "code": "not_found", "errors": [{"field": "...", "message": "..."}]}

``code`` is what a program branches on: it never changes for a given kind of error, while ``detail`` is for people
and may. ``errors`` appears only on 400/422 answers about specific fields. ``type`` is ``PROBLEM_BASE`` + code.
"""

from __future__ import annotations

import json
from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://deskpilot.dev/problems/"

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    402: "plan_limit",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}
"""The default ``code`` of each status; an error may carry a more specific one (``hostile_input``, …)."""

TITLES: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    402: "Plan limit reached",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def problem(
    status: int, detail: str, code: str | None = None, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The problem document for ``status`` (``code`` defaults to the status's own)."""
    code = code or CODES.get(status, "error")
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_bytes(
    status: int, detail: str, code: str | None = None, errors: list[dict[str, str]] | None = None
) -> bytes:
    return json.dumps(problem(status, detail, code, errors)).encode()


def problem_schema() -> dict[str, Any]:
    """The JSON Schema of a problem document, as the OpenAPI document publishes it."""
    return {
        "type": "object",
        "description": "An error (RFC 9457). Branch on `code`; `detail` is for people and may change.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
