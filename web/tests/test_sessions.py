"""Sign-in sessions survive a restart of the web process and are shared by its replicas (PostgreSQL), stored under
the digest of their id and sealed with a key only that id yields: the table alone opens nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from web.session_store import PostgresRows, asyncpg_dsn
from web.sessions import Session, SessionStore, digest


def a_session(**changes: object) -> Session:
    values: dict[str, object] = {
        "api_key": "dps_secret_sign_in_key",
        "key_id": "key_1",
        "tenant_id": "ten_web_sessions",
        "agent": {"agent_id": "agt_1", "name": "Ada", "role": "owner"},
        "csrf": "csrf-token",
        "expires_at": time.time() + 3600,
    }
    values.update(changes)
    return Session(**values)  # type: ignore[arg-type]


@pytest.fixture
async def rows(database_url: str) -> AsyncIterator[tuple[PostgresRows, PostgresRows]]:
    """Two processes' stores on one database (a restart, or a second replica)."""
    first = await PostgresRows.open(database_url)
    second = await PostgresRows.open(database_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_a_session_outlives_the_process_that_created_it(rows: tuple[PostgresRows, PostgresRows]) -> None:
    before, after = SessionStore(rows[0]), SessionStore(rows[1])
    session = a_session()
    session.say("ok", "Article saved.")
    session.reveal = ("New API key", "dp_shown_once")
    session_id = await before.create(session)

    found = await after.get(session_id)
    assert found == session
    assert found is not None
    assert found.take_flash() == [("ok", "Article saved.")]
    await after.save(session_id, found)
    again = await before.get(session_id)
    assert again is not None
    assert again.flash == []
    assert again.reveal == ("New API key", "dp_shown_once")

    await before.drop(session_id)
    assert await after.get(session_id) is None


async def test_the_table_holds_neither_the_cookie_nor_the_key(
    rows: tuple[PostgresRows, PostgresRows], database_url: str
) -> None:
    store = SessionStore(rows[0])
    session_id = await store.create(a_session(tenant_id="ten_sealed"))
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row = await conn.fetchrow("SELECT * FROM web.sessions WHERE tenant_id = 'ten_sealed'")
    finally:
        await conn.close()
    assert row is not None
    assert row["digest"] == digest(session_id) != session_id
    stored = bytes(row["sealed"]) + row["digest"].encode()
    for secret in (session_id, "dps_secret_sign_in_key", "csrf-token", "Ada"):
        assert secret.encode() not in stored
    # Another id cannot open it, even under the right digest.
    assert await store.get(session_id[:-1] + ("A" if session_id[-1] != "A" else "B")) is None


async def test_an_expired_session_is_gone(rows: tuple[PostgresRows, PostgresRows]) -> None:
    store = SessionStore(rows[0])
    session_id = await store.create(a_session(expires_at=time.time() + 0.5))
    assert await store.get(session_id) is not None
    await rows[0].put(digest(session_id), "ten_web_sessions", b"x" * 40, time.time() - 1)
    assert await store.get(session_id) is None
    assert await rows[0].get(digest(session_id)) is None


async def test_without_a_database_sessions_live_in_memory() -> None:
    store = SessionStore()
    session = a_session()
    session_id = await store.create(session)
    assert await store.get(session_id) == session
    assert await store.get("not-a-session") is None
    assert await store.get(None) is None


async def test_an_owner_role_makes_the_table_and_the_service_role_uses_it(database_url: str) -> None:
    """With two roles (decision 0027), the owner's creates web.sessions and grants the rows' use to the other."""
    owner = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        if not await owner.fetchval("SELECT 1 FROM pg_roles WHERE rolname = 'dp_web_sessions_test'"):
            await owner.execute("CREATE ROLE dp_web_sessions_test LOGIN PASSWORD 'web-sessions-test'")
    finally:
        await owner.close()
    parts = urlsplit(asyncpg_dsn(database_url))
    where = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    service_url = urlunsplit(parts._replace(netloc=f"dp_web_sessions_test:web-sessions-test@{where}"))
    rows = await PostgresRows.open(service_url, owner_url=database_url)
    try:
        store = SessionStore(rows)
        session = a_session()
        session_id = await store.create(session)
        assert await store.get(session_id) == session
    finally:
        await rows.close()
