"""Tenants as every service sees them: a local projection of ``tenant.created``, used to authenticate requests.

API keys are ``dp_`` + 43 url-safe random characters (256 bits). Only their SHA-256 digest travels in events and is
stored; with that much entropy a fast digest is as safe as a slow password hash and costs microseconds per request.

Besides the key it was created with, a tenant has *issued* keys (``api_key.issued`` / ``api_key.revoked``, from
ticketing: keys an owner creates, and the short-lived key of each human agent's sign-in), projected by every
service into ``api_keys``. Each has a role: ``owner`` and ``admin`` keys act as the tenant; an ``agent`` key is a
human agent's and opens only the routes a human agent needs (see ``libs.platform.http.HUMAN_AGENTS``). Issued
keys are looked up on every request (no cache), so a revocation or an expiry holds at once.

The key a tenant was created with can be revoked too: ``api_key.revoked`` with ``key_id`` ``ORIGINAL_KEY_ID``
replaces its digest with a tombstone no key hashes to. Those keys are cached for ``ORIGINAL_KEY_TTL_S`` seconds
per process, so every replica refuses a revoked one within that time (the one that projects the event at once).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events import ApiKeyIssued, ApiKeyRevoked, Envelope, TenantCreated
from libs.platform.outbox import UnitOfWork

KEY_PREFIX = "dp_"
ORIGINAL_KEY_ID = "original"  # ``api_key.revoked`` of this id revokes the key the tenant was created with
ORIGINAL_KEY_TTL_S = 5.0


def tombstone(tenant_id: str) -> str:
    """What replaces a revoked original key's digest: unique per tenant, and never a SHA-256 hex digest."""
    return f"revoked-{tenant_id}"[:64]


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


def api_keys_table(metadata: MetaData) -> Table:
    """Issued keys of every tenant: this service's projection of ``api_key.issued`` / ``api_key.revoked``."""
    existing = metadata.tables.get(f"{metadata.schema}.api_keys" if metadata.schema else "api_keys")
    if existing is not None:
        return existing
    return Table(
        "api_keys",
        metadata,
        Column("key_id", String(64), primary_key=True),
        Column("tenant_id", String(64), nullable=False),
        Column("api_key_sha256", String(64), nullable=False, unique=True),
        Column("role", String(16), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=True),
        Column("revoked_at", DateTime(timezone=True), nullable=True),
    )


class Tenanted(Protocol):
    """Whoever a request's key speaks for, as the edge knows it: at least a tenant (a :class:`KeyHolder`, or a
    service's own notion of a caller, such as ticketing's human agents)."""

    @property
    def tenant_id(self) -> str: ...


@dataclass(frozen=True)
class KeyHolder:
    """Who a request's key speaks for: a tenant, in a role (``owner`` for the key the tenant was created with)."""

    tenant_id: str
    role: str

    @property
    def acts_as_tenant(self) -> bool:
        return self.role in ("owner", "admin")


TenantHook = Callable[[UnitOfWork, Envelope], Awaitable[None]]


class TenantDirectory:
    """This service's copy of the tenant list; SQL for the shared ``tenants`` projection lives here."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        keys: Table | None = None,
        original_key_ttl: float = ORIGINAL_KEY_TTL_S,
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._keys = keys
        self._ttl = original_key_ttl
        self._by_digest: dict[str, tuple[str, float]] = {}  # original keys: digest -> (tenant, when looked up)

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
        """The tenant id ``api_key`` acts for as the tenant (its own key, an issued owner or admin key), or None."""
        holder = await self.holder(api_key)
        return holder.tenant_id if holder is not None and holder.acts_as_tenant else None

    async def holder(self, api_key: str) -> KeyHolder | None:
        """Who ``api_key`` speaks for, or None. Tenants' own keys are cached for a few seconds (a revoked one is
        refused within that time); issued keys are looked up every time, so a revoked or expired one is refused at
        once."""
        digest = key_digest(api_key)
        cached = self._by_digest.get(digest)
        if cached is not None and time.monotonic() - cached[1] < self._ttl:
            return KeyHolder(cached[0], "owner")
        async with self._sessions() as session:
            tenant_id = (
                await session.execute(select(self._table.c.tenant_id).where(self._table.c.api_key_sha256 == digest))
            ).scalar_one_or_none()
            if tenant_id is not None:
                self._by_digest[digest] = (tenant_id, time.monotonic())
                return KeyHolder(tenant_id, "owner")
            self._by_digest.pop(digest, None)
            if self._keys is None:
                return None
            keys = self._keys
            found = (
                await session.execute(
                    select(keys.c.tenant_id, keys.c.role).where(
                        keys.c.api_key_sha256 == digest,
                        keys.c.revoked_at.is_(None),
                        or_(keys.c.expires_at.is_(None), keys.c.expires_at > func.now()),
                    )
                )
            ).first()
        return KeyHolder(found.tenant_id, found.role) if found is not None else None

    async def record_key(self, uow: UnitOfWork, event: Envelope) -> None:
        """Store an ``api_key.issued`` or apply an ``api_key.revoked`` (both idempotent)."""
        assert self._keys is not None
        keys, payload = self._keys, event.payload
        if isinstance(payload, ApiKeyIssued):
            await uow.session.execute(
                insert(keys)
                .values(
                    key_id=payload.key_id,
                    tenant_id=event.tenant_id,
                    api_key_sha256=payload.api_key_sha256,
                    role=payload.role,
                    expires_at=payload.expires_at,
                )
                .on_conflict_do_nothing(index_elements=["key_id"])
            )
        elif isinstance(payload, ApiKeyRevoked) and payload.key_id == ORIGINAL_KEY_ID:
            await self._revoke_original(uow, event.tenant_id)
        elif isinstance(payload, ApiKeyRevoked):
            await uow.session.execute(
                update(keys)
                .where(
                    keys.c.key_id == payload.key_id, keys.c.tenant_id == event.tenant_id, keys.c.revoked_at.is_(None)
                )
                .values(revoked_at=func.now())
            )

    async def _revoke_original(self, uow: UnitOfWork, tenant_id: str) -> None:
        """The tenant's own key tombstoned (idempotent), and forgotten by this process at once."""
        table = self._table
        await uow.session.execute(
            update(table).where(table.c.tenant_id == tenant_id).values(api_key_sha256=tombstone(tenant_id))
        )
        self._by_digest = {d: held for d, held in self._by_digest.items() if held[0] != tenant_id}

    async def original_key_active(self, tenant_id: str) -> bool:
        """Whether the key ``tenant_id`` was created with still works (False: revoked, or no such tenant)."""
        table = self._table
        async with self._sessions() as session:
            digest = (
                await session.execute(select(table.c.api_key_sha256).where(table.c.tenant_id == tenant_id))
            ).scalar_one_or_none()
        return digest is not None and digest != tombstone(tenant_id)

    async def all_ids(self) -> list[str]:
        async with self._sessions() as session:
            return list((await session.execute(select(self._table.c.tenant_id))).scalars())
