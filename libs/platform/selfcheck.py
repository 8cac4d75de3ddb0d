"""The database's start-up self-check: the platform starts only on a PostgreSQL whose pgvector works on this CPU.

A pgvector built for a newer CPU than the database server's (``-march=native`` on an AVX-512 build machine) kills
the backend with SIGILL at the first vector operation; PostgreSQL then resets every connection, so every service
fails at once and the knowledge base never works. So before anything else, a service (and ``deskpilot up``, before
it starts any) checks the database in a throwaway connection, inside a transaction that is rolled back: the
``vector`` extension is there (created if the server has it and the user may), and a distance query and an HNSW
insert on 384-dimensional vectors survive. If not, :func:`check_database` raises :class:`DatabaseUnfit`, whose
text is one sentence naming the cause and what to do; the process exits with :data:`EXIT_DATABASE_UNFIT`, and the
supervisor of ``deskpilot up`` stops instead of restarting it (docs/decisions/0022).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

EXIT_DATABASE_UNFIT = 78
"""``EX_CONFIG`` of sysexits.h: the configured database cannot serve the platform; restarting cannot help."""

_VECTOR = "(SELECT array_agg(sin(n * d))::real[] FROM generate_series(1, 384) AS d)::vector(384)"
PROBE: tuple[str, ...] = (
    "CREATE TEMPORARY TABLE deskpilot_selfcheck (n integer PRIMARY KEY, embedding vector(384)) ON COMMIT DROP",
    "CREATE INDEX ON deskpilot_selfcheck USING hnsw (embedding vector_cosine_ops)",
    f"INSERT INTO deskpilot_selfcheck SELECT n, {_VECTOR} FROM generate_series(1, 40) AS n",  # noqa: S608 - constant
    "SET LOCAL enable_seqscan = off",
    "SELECT n, embedding <=> q, embedding <-> q, embedding <#> q, l2_normalize(embedding) <+> q "
    "FROM deskpilot_selfcheck, (SELECT embedding AS q FROM deskpilot_selfcheck WHERE n = 7) AS probe "
    "ORDER BY embedding <=> q LIMIT 5",
)
"""The statements that must survive: an HNSW index built and then inserted into (every row goes through pgvector's
insert path), and a nearest-neighbour query through it with each distance operator."""

_passed: set[str] = set()


class DatabaseUnfit(Exception):
    """The database cannot serve the platform; ``str()`` is one sentence: the cause and what to do."""


def _where(url: str) -> str:
    parsed = make_url(url)
    host = parsed.host or parsed.query.get("host") or "localhost"
    return f"database {parsed.database or '(default)'} on {host if isinstance(host, str) else host[0]}"


async def _ensure_extension(conn: AsyncConnection, where: str) -> None:
    if (await conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'"))).first():
        return
    available = text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    if not (await conn.execute(available)).first():
        raise DatabaseUnfit(
            f"The PostgreSQL server of {where} has no pgvector extension: install pgvector 0.8 or newer on it "
            "(e.g. the postgresql-<version>-pgvector package), or unset DATABASE_URL to use the embedded server."
        )
    try:
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        await conn.commit()
    except DBAPIError as exc:
        raise DatabaseUnfit(
            f"The vector extension is not created in {where} and this database user may not create it "
            f"({str(exc.orig).strip()}): run CREATE EXTENSION vector; in that database as a superuser, then start "
            "again."
        ) from exc


async def _probe(conn: AsyncConnection, statements: Sequence[str], where: str) -> None:
    try:
        for statement in statements:
            await conn.execute(text(statement))
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseUnfit(
                f"The database server's backend died during the pgvector self-check (an HNSW insert and a distance "
                f"query) in {where}: its vector.so most likely uses instructions this CPU does not have (seen: "
                "AVX-512 code on a CPU without it; the embedded server's pgvector needs an x86-64-v3 CPU, with "
                "AVX2 and FMA), so install a pgvector built for this CPU and point DATABASE_URL at that server."
            ) from exc
        raise DatabaseUnfit(
            f"pgvector failed the start-up self-check in {where} ({str(exc.orig).strip()}): the platform needs "
            "pgvector 0.8 or newer with HNSW indexes, so upgrade the extension (ALTER EXTENSION vector UPDATE)."
        ) from exc


async def check_database(url: str, *, probe: Sequence[str] = PROBE, remember: bool = True) -> None:
    """Raise :class:`DatabaseUnfit` unless pgvector works in the database at ``url`` (see the module's text).

    Once ``url`` passed, later calls in the same process return at once (each service of a test session, or a
    service after ``deskpilot serve`` checked); ``remember=False`` checks again. Failing to connect at all is
    not this check's concern: that error propagates as it is (the database may be starting)."""
    if remember and url in _passed:
        return
    where = _where(url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await _ensure_extension(conn, where)
            await conn.rollback()
            await _probe(conn, probe, where)  # in a transaction never committed: closing the connection rolls back
    finally:
        await engine.dispose()
    if remember:
        _passed.add(url)
