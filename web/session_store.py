"""The web front end's one table: sealed sign-in sessions in PostgreSQL (``web.sessions``), by the digest of their id.

The web process owns nothing else in the database; it creates its schema and table itself on start (idempotent),
since it shares no migration machinery with the services (it imports none of them): as ``DATABASE_OWNER_URL``'s
role where there is one, granting ``DATABASE_URL``'s role the rows' use (decision 0027's two roles). The rows are
found only by the digest of a secret, before any tenant is known, so the table has no row-level policy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import asyncpg

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS web;
CREATE TABLE IF NOT EXISTS web.sessions (
    digest text PRIMARY KEY,
    tenant_id text NOT NULL,
    sealed bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON web.sessions (expires_at);
"""


def asyncpg_dsn(database_url: str) -> str:
    """The services' SQLAlchemy URL (``postgresql+asyncpg://…``) as asyncpg takes it."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _identifier(name: str) -> str:
    if not name:
        raise ValueError("DATABASE_URL names no role")
    return '"' + unquote(name).replace('"', '""') + '"'


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class PostgresRows:
    """Sealed sessions in ``web.sessions``; every query names its row by digest (the tenant is inside the seal and
    in its own column, for an operator's ``DELETE … WHERE tenant_id``)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, database_url: str, owner_url: str | None = None) -> PostgresRows:
        """Rows through ``database_url``'s role; the table made (and that role granted its use) by ``owner_url``'s
        role where there is one (the services' own role owns nothing: decision 0027), else by the same role."""
        owner = await asyncpg.connect(asyncpg_dsn(owner_url or database_url))
        try:
            # Two replicas starting at once must not both create the schema: one lock for the DDL.
            async with owner.transaction():
                await owner.execute("SELECT pg_advisory_xact_lock(hashtext('deskpilot web sessions'))")
                await owner.execute(SCHEMA)
                if owner_url:
                    role = _identifier(urlsplit(asyncpg_dsn(database_url)).username or "")
                    await owner.execute(f"GRANT USAGE ON SCHEMA web TO {role}")
                    await owner.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON web.sessions TO {role}")
        finally:
            await owner.close()
        pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=1, max_size=5)
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    async def put(self, digest: str, tenant_id: str, sealed: bytes, expires_at: float) -> None:
        await self.pool.execute(
            """INSERT INTO web.sessions (digest, tenant_id, sealed, expires_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (digest) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at,
               updated_at = now()""",
            digest,
            tenant_id,
            sealed,
            _at(expires_at),
        )

    async def get(self, digest: str) -> tuple[bytes, float] | None:
        row = await self.pool.fetchrow("SELECT sealed, expires_at FROM web.sessions WHERE digest = $1", digest)
        if row is None:
            return None
        return bytes(row["sealed"]), row["expires_at"].timestamp()

    async def drop(self, digest: str) -> None:
        await self.pool.execute("DELETE FROM web.sessions WHERE digest = $1", digest)

    async def sweep(self, now: float) -> int:
        status: str = await self.pool.execute("DELETE FROM web.sessions WHERE expires_at <= $1", _at(now))
        return int(status.rsplit(maxsplit=1)[-1])
