"""Single sign-on's SQL: each tenant's OpenID Connect configuration, sign-ins under way, and issuer identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import sso_attempts, sso_configs, sso_identities


@dataclass(frozen=True)
class SsoConfigRow:
    """A tenant's identity provider; the client secret only sealed."""

    tenant_id: str
    issuer: str
    client_id: str
    client_secret_sealed: str
    role_claim: str
    role_values: dict[str, str]
    default_role: str | None
    updated_at: datetime
    issuer_problem: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> SsoConfigRow:
        return cls(
            tenant_id=row["tenant_id"],
            issuer=row["issuer"],
            client_id=row["client_id"],
            client_secret_sealed=row["client_secret_sealed"],
            role_claim=row["role_claim"],
            role_values=dict(row["role_values"]),
            default_role=row["default_role"],
            updated_at=row["updated_at"],
            issuer_problem=row["issuer_problem"],
        )


class SsoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def config(self, tenant_id: str) -> SsoConfigRow | None:
        query = select(sso_configs).where(sso_configs.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return SsoConfigRow.from_row(row) if row else None

    async def save_config(self, tenant_id: str, **values: Any) -> SsoConfigRow:
        values = values | {"updated_at": func.now()}
        statement = (
            insert(sso_configs)
            .values(tenant_id=tenant_id, **values)
            .on_conflict_do_update(index_elements=[sso_configs.c.tenant_id], set_=values)
            .returning(*sso_configs.c)
        )
        return SsoConfigRow.from_row((await self.session.execute(statement)).mappings().one())

    async def reseal(self, tenant_id: str, client_secret_sealed: str) -> None:
        await self.session.execute(
            update(sso_configs)
            .where(sso_configs.c.tenant_id == tenant_id)
            .values(client_secret_sealed=client_secret_sealed)
        )

    async def drop_config(self, tenant_id: str) -> bool:
        result = await self.session.execute(
            delete(sso_configs).where(sso_configs.c.tenant_id == tenant_id).returning(sso_configs.c.tenant_id)
        )
        return result.first() is not None

    async def add_attempt(self, tenant_id: str, state_sha256: str, redirect_uri: str, expires_at: datetime) -> None:
        await self.session.execute(
            insert(sso_attempts).values(
                tenant_id=tenant_id, state_sha256=state_sha256, redirect_uri=redirect_uri, expires_at=expires_at
            )
        )

    async def take_attempt(self, tenant_id: str, state_sha256: str, now: datetime) -> str | None:
        """The redirect URI of the attempt, which is gone afterwards (a state works once); None if unknown or
        expired. Expired attempts of the tenant are swept on the way."""
        await self.session.execute(
            delete(sso_attempts).where(sso_attempts.c.tenant_id == tenant_id, sso_attempts.c.expires_at <= now)
        )
        result = await self.session.execute(
            delete(sso_attempts)
            .where(sso_attempts.c.tenant_id == tenant_id, sso_attempts.c.state_sha256 == state_sha256)
            .returning(sso_attempts.c.redirect_uri)
        )
        uri: str | None = result.scalar_one_or_none()
        return uri

    async def identity(self, tenant_id: str, issuer: str, subject: str) -> str | None:
        query = select(sso_identities.c.agent_id).where(
            sso_identities.c.tenant_id == tenant_id,
            sso_identities.c.issuer == issuer,
            sso_identities.c.subject == subject,
        )
        agent_id: str | None = (await self.session.execute(query)).scalar_one_or_none()
        return agent_id

    async def link(self, tenant_id: str, issuer: str, subject: str, agent_id: str) -> None:
        await self.session.execute(
            insert(sso_identities).values(tenant_id=tenant_id, issuer=issuer, subject=subject, agent_id=agent_id)
        )
