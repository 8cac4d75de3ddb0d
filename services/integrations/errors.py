"""How things fail: a tool call (the typed failure the model hears about, and what a call lost in transit means),
and connecting an integration."""

from __future__ import annotations

import httpx2
from litestar.exceptions import HTTPException

from libs.platform.tool_executor import ToolFailure
from services.integrations.vault import VaultError, VaultUnavailable


class ToolError(ToolFailure):
    """A tool failed in a way the model should hear about; ``kind`` is a ``tool.failed`` kind."""


def unsent(exc: httpx2.HTTPError) -> bool:
    """The request cannot have reached the provider (no connection was made)."""
    return isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)


def lost_in_transit(title: str, what: str, *, sent: bool, repeatable: bool) -> ToolError:
    """A call that got no answer. Unsent, or safe to send again: ``transient``. A write that may have reached the
    provider: ``outcome_unknown``, because a retry (a new tool call, with a new idempotency key) could do it twice."""
    if not sent or repeatable:
        return ToolError("transient", f"{title} is unreachable ({what}); try again shortly")
    return ToolError(
        "outcome_unknown",
        f"{title} stopped answering after the request was sent ({what}); it may or may not have been carried out. "
        "Do not retry it; tell the customer a colleague will check.",
    )


class ConnectError(Exception):
    """Connecting an integration failed; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def answer_for(exc: ConnectError | VaultError) -> HTTPException:
    """The HTTP answer to a failed connection or an unreadable vault (no master key: 503)."""
    if isinstance(exc, ConnectError):
        return HTTPException(status_code=exc.status, detail=exc.message)
    if isinstance(exc, VaultUnavailable):
        return HTTPException(status_code=503, detail="the vault has no master key configured")
    return HTTPException(status_code=500, detail="a stored secret could not be read")
