"""The database self-check at start-up (libs/platform/selfcheck.py), on real PostgreSQL servers: it passes where
pgvector works, and where it does not the platform refuses to start with one sentence and exit code 78 — a database
without the extension, and a backend that dies during the probe as it does on a CPU the binary was not built for
(here killed with SIGILL, the signal of an illegal instruction, on a server of the test's own)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from deskpilot.embedded import EmbeddedPostgres, free_port
from deskpilot.supervisor import ServiceProcess
from libs.events import new_id
from libs.platform.selfcheck import EXIT_DATABASE_UNFIT, DatabaseUnfit, check_database

PLAIN_ROLE = "deskpilot_selfcheck_plain"


async def _autocommit(url: str, *statements: str) -> list[object]:
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            results = [await conn.execute(text(s)) for s in statements]
            return [r.scalar() if r.returns_rows else None for r in results]
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def without_vector(database_url: str) -> AsyncIterator[str]:
    """A new database that lacks the vector extension, reached as a role that may not create it."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("a server of your own may not let a new role in without a password")
    (superuser,) = await _autocommit(database_url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not superuser:
        pytest.skip("needs a superuser DATABASE_URL to create a role and a database")
    name = new_id("selfcheck").lower()
    await _autocommit(
        database_url,
        f"DO $$ BEGIN CREATE ROLE {PLAIN_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        f"CREATE DATABASE {name} OWNER {PLAIN_ROLE}",
    )
    yield make_url(database_url).set(username=PLAIN_ROLE, database=name).render_as_string(hide_password=False)
    await _autocommit(database_url, f"DROP DATABASE {name} WITH (FORCE)")


async def test_the_check_passes_where_pgvector_works(database_url: str) -> None:
    await check_database(database_url, remember=False)


async def test_a_database_without_the_extension_is_refused_with_what_to_do(without_vector: str) -> None:
    with pytest.raises(DatabaseUnfit) as refused:
        await check_database(without_vector)
    sentence = str(refused.value)
    assert "vector extension is not created" in sentence
    assert "CREATE EXTENSION vector" in sentence
    assert sentence.count(". ") == 0
    assert sentence.endswith(".")


@pytest.fixture
def own_server() -> Iterator[str]:
    """A PostgreSQL of this test's own: the crash below resets every connection of the server it happens on. (Not
    pytest's tmp_path: PostgreSQL runs as its own system user and needs to traverse the parents, 0700 there.)"""
    with tempfile.TemporaryDirectory(prefix="deskpilot-selfcheck-") as d:
        server = EmbeddedPostgres(Path(d))
        try:
            yield server.start()
        finally:
            server.stop()


async def _kill_backend_running(url: str, query: str) -> None:
    """SIGILL to the backend running ``query`` once it runs it (the server is local: embedded)."""
    for _ in range(600):
        (pid,) = await _autocommit(url, f"SELECT max(pid) FROM pg_stat_activity WHERE query = '{query}'")  # noqa: S608
        if isinstance(pid, int):
            os.kill(pid, signal.SIGILL)
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no backend ran {query!r}")


async def _until_recovered(url: str) -> None:
    """Wait for the server to finish its crash recovery: a stop requested during recovery waits out pg_ctl's 60 s
    and ends in a kill (PostgreSQL 18 leaves the startup process's redo running), so the teardown waits for this
    state first."""
    for _ in range(1200):
        try:
            await _autocommit(url, "SELECT 1")
            return
        except (DBAPIError, OSError):  # "in recovery mode" / connection refused until it is back
            await asyncio.sleep(0.05)
    raise AssertionError("the server did not come back from its crash recovery")


async def test_a_backend_that_dies_during_the_probe_is_named_as_a_binary_this_cpu_cannot_run(own_server: str) -> None:
    query = "SELECT pg_sleep(120)"
    killer = asyncio.create_task(_kill_backend_running(own_server, query))
    with pytest.raises(DatabaseUnfit) as refused:
        await check_database(own_server, probe=[query], remember=False)
    await killer
    sentence = str(refused.value)
    assert "backend died during the pgvector self-check" in sentence
    assert "instructions this CPU does not have" in sentence
    await _until_recovered(own_server)


def _platform_env(nats_url: str, database_url: str) -> dict[str, str]:
    return {**os.environ, "NATS_URL": nats_url, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}


def test_deskpilot_up_refuses_to_start_with_one_sentence(nats_url: str, without_vector: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(free_port()), "--data-dir", str(tmp_path)],
        env=_platform_env(nats_url, without_vector),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == EXIT_DATABASE_UNFIT, done.stderr
    assert done.stderr.startswith("deskpilot up: The vector extension is not created in database selfcheck_")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "[conversation]" not in done.stdout  # no service was started


async def test_the_supervisor_stops_a_service_that_refuses_its_database(nats_url: str, without_vector: str) -> None:
    halt = asyncio.Event()
    child = ServiceProcess("knowledge", free_port(), _platform_env(nats_url, without_vector))
    child.halt = halt
    await asyncio.wait_for(child.run(), 300)  # returns after the first exit: no restart loop
    assert child.unfit
    assert halt.is_set()
    assert child.proc is not None
    assert child.proc.returncode == EXIT_DATABASE_UNFIT
