"""What executing third-party tools needs beyond the execution's transaction, built once by the app."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.mcp.policy import McpPolicy
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.repository import ExecutionRepository
from services.integrations.vault import Vault


class AttemptJournal:
    """Records that a call is about to leave for a provider, committed at once in its own transaction.

    This is the one deliberate commit outside a unit of work: the execution's own transaction only commits after
    the call, so without it a crash between the call and that commit would leave no trace of the attempt, and
    the redelivered request would send the call again.
    """

    def __init__(self, sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]]) -> None:
        self._sessions = sessions

    async def record(self, tenant_id: str, tool_call_id: str) -> tuple[int, float]:
        """Returns how many earlier attempts of this call there were, and the first one's age in seconds."""
        async with self._sessions() as session:
            earlier = await ExecutionRepository(session).record_attempt(tenant_id, tool_call_id)
            await session.commit()
        return earlier


@dataclass(frozen=True)
class Remotes:
    """What executing third-party tools needs: OAuth tokens, the vault, the MCP policy and the attempt journal."""

    oauth: OAuthConnections
    vault: Vault
    mcp: McpPolicy
    attempts: AttemptJournal
