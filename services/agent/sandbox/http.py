"""A document's problems as the platform's 422: each field named with its line, when it has one."""

from __future__ import annotations

from litestar.exceptions import ValidationException

from services.agent.sandbox.documents import InvalidDocument


def unprocessable(exc: InvalidDocument) -> ValidationException:
    fields = [
        {
            "key": f"{exc.what}.{p.field}" if p.field else exc.what,
            "message": f"line {p.line}: {p.message}" if p.line is not None else p.message,
        }
        for p in exc.problems
    ]
    return ValidationException(detail=str(exc), extra=fields)
