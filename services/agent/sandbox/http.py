"""A document's problems as the platform's answer: each field named with its line, when it has one. 422 when the
document itself is wrong; 409 when it is valid and names what the server does not hold for the tenant (a tool, a
field of one, a configured model), 403 what the operator's rules refuse a tenant (a model server on a private
network): a contract states a document's grammar, never the tenant's state or the network."""

from __future__ import annotations

from litestar.exceptions import HTTPException, PermissionDeniedException, ValidationException

from libs.platform.http import ConflictException
from services.agent.sandbox.documents import InvalidDocument


def refused(exc: InvalidDocument) -> HTTPException:
    fields = [
        {
            "key": f"{exc.what}.{p.field}" if p.field else exc.what,
            "message": f"line {p.line}: {p.message}" if p.line is not None else p.message,
        }
        for p in exc.problems
    ]
    if exc.status == 409:
        return ConflictException(detail=str(exc), extra={"errors": fields})
    if exc.status == 403:
        return PermissionDeniedException(detail=str(exc), extra={"errors": fields})
    return ValidationException(detail=str(exc), extra=fields)
