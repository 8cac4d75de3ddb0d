"""Human agents' passwords and the keys issued for the tenant (API keys and sign-in sessions): their SQL and rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ticketing.models import agent_passwords, agents, issued_keys
from services.ticketing.repository.agents import AgentRow

KeyKind = Literal["api", "session"]
KeyRole = Literal["owner", "admin", "agent"]


@dataclass(frozen=True)
class IssuedKeyRow:
    """A key issued for the tenant (only its digest and a prefix): an owner's API key or an agent's sign-in."""

    tenant_id: str
    key_id: str
    kind: KeyKind
    name: str
    role: KeyRole
    agent_id: str | None
    api_key_sha256: str
    api_key_prefix: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> IssuedKeyRow:
        return cls(
            tenant_id=row["tenant_id"],
            key_id=row["key_id"],
            kind=row["kind"],
            name=row["name"],
            role=row["role"],
            agent_id=row["agent_id"],
            api_key_sha256=row["api_key_sha256"],
            api_key_prefix=row["api_key_prefix"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            revoked_at=row["revoked_at"],
        )


@dataclass(frozen=True)
class SignInCandidate:
    """An active agent with a password, and the password's hash (never leaves the accounts module)."""

    agent: AgentRow
    password_hash: str

    @classmethod
    def from_row(cls, row: RowMapping) -> SignInCandidate:
        return cls(agent=AgentRow.from_row(row), password_hash=row["password_hash"])


@dataclass(frozen=True)
class SignedInAgent:
    """The active agent behind a live sign-in key, and that key's id."""

    agent: AgentRow
    session_key_id: str

    @classmethod
    def from_row(cls, row: RowMapping) -> SignedInAgent:
        return cls(agent=AgentRow.from_row(row), session_key_id=row["session_key_id"])


class AccountRepository:
    """Passwords of human agents and the keys issued for the tenant (API keys and sign-in sessions)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_password(self, tenant_id: str, agent_id: str, password_hash: str) -> None:
        values = {"password_hash": password_hash}
        await self.session.execute(
            insert(agent_passwords)
            .values(tenant_id=tenant_id, agent_id=agent_id, **values)
            .on_conflict_do_update(index_elements=["tenant_id", "agent_id"], set_={**values, "updated_at": func.now()})
        )

    async def sign_in_candidates(self, email: str, tenant_id: str | None) -> list[SignInCandidate]:
        """Active agents with this e-mail (any case) and a password, with their hash; in one tenant if given."""
        query = (
            select(agents, agent_passwords.c.password_hash)
            .join(
                agent_passwords,
                and_(
                    agent_passwords.c.tenant_id == agents.c.tenant_id,
                    agent_passwords.c.agent_id == agents.c.agent_id,
                ),
            )
            .where(func.lower(agents.c.email) == email.strip().lower(), agents.c.active.is_(True))
            .order_by(agents.c.created_at)
        )
        if tenant_id is not None:
            query = query.where(agents.c.tenant_id == tenant_id)
        return [SignInCandidate.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def add_key(self, **row: Any) -> IssuedKeyRow:
        result = await self.session.execute(issued_keys.insert().values(**row).returning(*issued_keys.c))
        return IssuedKeyRow.from_row(result.mappings().one())

    async def session_agent(self, digest: str) -> SignedInAgent | None:
        """The active agent behind a live sign-in key (not revoked, not expired), with the key's id."""
        query = (
            select(agents, issued_keys.c.key_id.label("session_key_id"))
            .join(
                issued_keys,
                and_(issued_keys.c.tenant_id == agents.c.tenant_id, issued_keys.c.agent_id == agents.c.agent_id),
            )
            .where(
                issued_keys.c.api_key_sha256 == digest,
                issued_keys.c.kind == "session",
                issued_keys.c.revoked_at.is_(None),
                issued_keys.c.expires_at > func.now(),
                agents.c.active.is_(True),
            )
        )
        row = (await self.session.execute(query)).mappings().first()
        return SignedInAgent.from_row(row) if row else None

    async def keys(self, tenant_id: str, kind: KeyKind) -> list[IssuedKeyRow]:
        query = (
            select(issued_keys)
            .where(issued_keys.c.tenant_id == tenant_id, issued_keys.c.kind == kind)
            .order_by(issued_keys.c.created_at.desc(), issued_keys.c.key_id)
        )
        return [IssuedKeyRow.from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def key(self, tenant_id: str, key_id: str) -> IssuedKeyRow | None:
        query = select(issued_keys).where(issued_keys.c.tenant_id == tenant_id, issued_keys.c.key_id == key_id)
        row = (await self.session.execute(query)).mappings().first()
        return IssuedKeyRow.from_row(row) if row else None

    async def revoke(self, tenant_id: str, key_ids: list[str]) -> list[str]:
        """Revoke the keys not revoked yet; returns those it revoked now."""
        if not key_ids:
            return []
        result = await self.session.execute(
            update(issued_keys)
            .where(
                issued_keys.c.tenant_id == tenant_id,
                issued_keys.c.key_id.in_(key_ids),
                issued_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=func.now())
            .returning(issued_keys.c.key_id)
        )
        return list(result.scalars())

    async def live_sessions(self, tenant_id: str, agent_id: str, now: datetime) -> list[str]:
        """The agent's sign-in keys that still work."""
        query = select(issued_keys.c.key_id).where(
            issued_keys.c.tenant_id == tenant_id,
            issued_keys.c.agent_id == agent_id,
            issued_keys.c.kind == "session",
            issued_keys.c.revoked_at.is_(None),
            issued_keys.c.expires_at > now,
        )
        return list((await self.session.execute(query)).scalars())
