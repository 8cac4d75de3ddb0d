"""PostgreSQL access shared by services: engine, sessions, and the migration runner.

Each service owns one PostgreSQL schema named after it; its tables live there and nowhere else.
Migrations are ordered steps recorded in ``<schema>.schema_migrations``; they run under an advisory lock so that
several replicas starting at once migrate exactly once, as the owner role (``owner_url``) when there is one; then
every tenant-scoped table gets its row-level security policy and the service's role its grants
(``libs.platform.row_security``).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import ARRAY, ColumnElement, String, bindparam, func, make_url, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from libs.platform import row_security
from libs.platform.row_security import SYSTEM, tenant_scope


def advisory_key(label: str) -> int:
    """A PostgreSQL advisory lock's key for ``label``: SHA-256's first 8 bytes as a signed 64-bit number."""
    return int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big", signed=True)


def asyncpg_dsn(database_url: str) -> str:
    """``database_url`` (SQLAlchemy's ``postgresql+asyncpg://``) as a DSN asyncpg and libpq's tools take."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def pair_among(
    first: ColumnElement[str], second: ColumnElement[str], pairs: Sequence[tuple[str, str]]
) -> ColumnElement[bool]:
    """``(first, second) IN`` the given pairs, as two arrays unnested side by side: one statement, prepared once per
    connection, whatever the number of pairs (an IN list is another statement, parsed and prepared again, for every
    length a batch happens to have)."""
    column = ARRAY(String)
    keys = select(
        func.unnest(bindparam("firsts", [a for a, _ in pairs], type_=column)),
        func.unnest(bindparam("seconds", [b for _, b in pairs], type_=column)),
    )
    return tuple_(first, second).in_(keys)


POOL_SIZE = 15
"""Connections per process at most, as before (5 kept + 10 overflow): a replica's ceiling on PostgreSQL is the same."""


@dataclass(frozen=True)
class Migration:
    """One schema change. ``apply`` runs inside the migration transaction."""

    version: int
    description: str
    apply: Callable[[AsyncConnection], Awaitable[None]]


class Database:
    """One service's handle on PostgreSQL."""

    def __init__(self, url: str, schema: str, *, pool_size: int = POOL_SIZE, owner_url: str | None = None) -> None:
        self.schema = schema
        self._url = url
        self._owner_url = owner_url
        # No pre-ping: it is a round trip on every checkout (measured ~10 % of a service's CPU under load). A
        # connection that died with a database restart fails its first statement instead; that failure is
        # transient (libs/platform/faults.py) and retried, and the pool replaces the connection.
        # Up to ``pool_size`` connections, made as needed and kept: no overflow. An overflow connection is closed as
        # soon as it is returned, so under load (16 turns at once) a service opened and closed one connection every
        # few turns, each a new PostgreSQL backend, and prepared every statement again on it (turn_e2e.py, 80 turns
        # at 16 concurrent: the conversation service used 33 connections, 1.7 statement preparations per turn).
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=0, connect_args=row_security.CONNECT_ARGS
        )
        row_security.install(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads that need no transaction: without one, a query is one round trip instead of three (BEGIN, the
        # query, ROLLBACK). Same pool.
        self._readers = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads outside any transaction (each statement sees the latest commit); never write
        through it."""
        async with self._readers() as session:
            yield session

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        """Apply the migrations not yet applied, in order, as the owner; then secure the tenant-scoped tables and
        grant the service's role their use. Returns the versions applied now."""
        if self._owner_url is None:
            return await self._migrate(self.engine, migrations, None)
        owner = create_async_engine(self._owner_url, poolclass=NullPool, connect_args=row_security.CONNECT_ARGS)
        service_role = make_url(self._url).username
        try:
            same = make_url(self._owner_url).username == service_role
            return await self._migrate(owner, migrations, None if same else service_role)
        finally:
            await owner.dispose()

    async def _migrate(self, engine: AsyncEngine, migrations: Sequence[Migration], role: str | None) -> list[int]:
        lock_key = advisory_key(f"deskpilot-migrate:{self.schema}")
        applied_now: list[int] = []
        with tenant_scope(SYSTEM):  # data migrations see every tenant's rows (the policies apply to the owner too)
            async with engine.begin() as conn:
                await self._apply(conn, lock_key, migrations, applied_now)
                await row_security.secure_schema(conn, self.schema, role)
        return applied_now

    async def _apply(
        self, conn: AsyncConnection, lock_key: int, migrations: Sequence[Migration], applied_now: list[int]
    ) -> None:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
        await conn.execute(
            text(
                f'CREATE TABLE IF NOT EXISTS "{self.schema}".schema_migrations ('
                "version integer PRIMARY KEY, description text NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        # The schema name is a code constant of the service, never input.
        versions = text(f'SELECT version FROM "{self.schema}".schema_migrations')  # noqa: S608
        done = set((await conn.execute(versions)).scalars())
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in done:
                continue
            await migration.apply(conn)
            await conn.execute(
                text(f'INSERT INTO "{self.schema}".schema_migrations (version, description) VALUES (:v, :d)'),  # noqa: S608
                {"v": migration.version, "d": migration.description},
            )
            applied_now.append(migration.version)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()
