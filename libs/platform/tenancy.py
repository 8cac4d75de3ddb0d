"""Tenants as every service sees them: a local projection of ``tenant.created``, used to authenticate requests.

API keys are ``dp_`` + 43 url-safe random characters (256 bits). Only their SHA-256 digest travels in events and is
stored; with that much entropy a fast digest is as safe as a slow password hash and costs microseconds per request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events import Envelope, TenantCreated
from libs.platform.outbox import UnitOfWork

KEY_PREFIX = "dp_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def tenants_table(metadata: MetaData) -> Table:
    existing = metadata.tables.get(f"{metadata.schema}.tenants" if metadata.schema else "tenants")
    if existing is not None:
        return existing
    return Table(
        "tenants",
        metadata,
        Column("tenant_id", String(64), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("api_key_sha256", String(64), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


TenantHook = Callable[[UnitOfWork, Envelope], Awaitable[None]]


class TenantDirectory:
    """This service's copy of the tenant list; SQL for the shared ``tenants`` projection lives here."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table) -> None:
        self._sessions = sessions
        self._table = table
        self._by_digest: dict[str, str] = {}

    async def record(self, uow: UnitOfWork, event: Envelope) -> bool:
        """Store a ``tenant.created``; returns False when it was already known (redelivery)."""
        payload = event.payload
        assert isinstance(payload, TenantCreated)
        result = await uow.session.execute(
            insert(self._table)
            .values(tenant_id=event.tenant_id, name=payload.name, api_key_sha256=payload.api_key_sha256)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
            .returning(self._table.c.tenant_id)
        )
        return result.first() is not None

    async def authenticate(self, api_key: str) -> str | None:
        """The tenant id owning ``api_key``, or None. Known keys are cached; unknown ones always re-checked."""
        digest = key_digest(api_key)
        cached = self._by_digest.get(digest)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            tenant_id = (
                await session.execute(select(self._table.c.tenant_id).where(self._table.c.api_key_sha256 == digest))
            ).scalar_one_or_none()
        if tenant_id is not None:
            self._by_digest[digest] = tenant_id
        return tenant_id

    async def all_ids(self) -> list[str]:
        async with self._sessions() as session:
            return list((await session.execute(select(self._table.c.tenant_id))).scalars())
