"""Pending OAuth authorizations: the state only as a digest (its PKCE verifier is in the vault)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import oauth_states


@dataclass(frozen=True)
class OAuthState:
    state_sha256: str
    tenant_id: str
    integration: str
    user_id: str | None
    params: dict[str, str]
    expires_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> OAuthState:
        return cls(
            state_sha256=row["state_sha256"],
            tenant_id=row["tenant_id"],
            integration=row["integration"],
            user_id=row["user_id"],
            params=dict(row["params"]),
            expires_at=row["expires_at"],
        )


class OAuthStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, state: OAuthState) -> None:
        await self.session.execute(
            oauth_states.insert().values(
                state_sha256=state.state_sha256,
                tenant_id=state.tenant_id,
                integration=state.integration,
                user_id=state.user_id,
                params=state.params,
                expires_at=state.expires_at,
            )
        )

    async def take(self, state_sha256: str) -> OAuthState | None:
        """Delete and return a pending authorization: a state is usable once."""
        result = await self.session.execute(
            delete(oauth_states).where(oauth_states.c.state_sha256 == state_sha256).returning(oauth_states)
        )
        row = result.mappings().first()
        return OAuthState.from_row(row) if row else None
