"""One requested tool call, as an integration's handler sees it."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import Envelope, ToolRequested
from libs.platform.outbox import UnitOfWork
from services.integrations.manifest import Manifest
from services.integrations.repository import Connection


@dataclass(frozen=True)
class ToolCall:
    """One requested tool call, as a manifest integration's handler sees it."""

    uow: UnitOfWork
    event: Envelope  # the ``tool.requested`` event
    request: ToolRequested
    manifest: Manifest
    connection: Connection
    dry_run: bool
    # Awaited right before the request leaves (the attempt journal): not before, when nothing could have been sent.
    before_send: Callable[[], Awaitable[None]]

    @property
    def tenant_id(self) -> str:
        return self.event.tenant_id

    @property
    def session(self) -> AsyncSession:
        """The execution's own transaction: what the handler writes commits (or not) with the result."""
        return self.uow.session

    @property
    def params(self) -> dict[str, str]:
        """The connection's URL parameters (a shop, a subdomain)."""
        return self.connection.params

    def idempotency_key(self, operation: str) -> str:
        """The key a provider gets for this call's write: the same on every delivery and retry of the call."""
        digest = hashlib.sha256(f"{self.manifest.name}/{operation}/v1\x00{self.request.idempotency_key}".encode())
        return "deskpilot-" + digest.hexdigest()
