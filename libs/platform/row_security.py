"""Row-level security: a tenant-scoped table shows a transaction only the rows of the tenant it runs for.

Every table with a ``tenant_id`` column gets the policy ``tenant_isolation`` (``ENABLE`` and ``FORCE ROW LEVEL
SECURITY``): a row is visible, and may be written, only when its ``tenant_id`` equals the setting
``deskpilot.tenant_id`` of the transaction — or the setting is ``*``, the *system* scope of work that is for no one
tenant (sweeps, the outbox relay, looking up which tenant a key belongs to). Unset, the setting matches nothing:
a connection that says nothing sees nothing. The services connect as a role that owns no table and has no
``BYPASSRLS``; the owner role runs the migrations (``DATABASE_OWNER_URL``), so a service cannot switch it off.

Which tenant: a context variable. An authenticated request is narrowed to its key's tenant
(``libs.platform.http``), an event's handler runs in the event's tenant (``libs.platform.consumers``), anything
else is in the system scope. The setting travels with the transaction's own ``BEGIN`` (one simple-query message:
``BEGIN; SELECT set_config(…, true)``), so it costs no round trip; reads outside a transaction (the autocommit
reader) set it on their connection only when it changes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import await_

SETTING = "deskpilot.tenant_id"
SYSTEM = "*"
POLICY = "tenant_isolation"


class _Scope:
    """Mutable, so that narrowing it in a dependency resolved in a child task holds for the whole request."""

    __slots__ = ("tenant",)

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant


_PROCESS = _Scope(SYSTEM)  # never narrowed: work outside any request or event is the system's
_current: ContextVar[_Scope] = ContextVar("deskpilot_tenant_scope", default=_PROCESS)


def current_tenant_scope() -> str:
    """The tenant the current task's transactions are for, or ``*`` (system)."""
    return _current.get().tenant


@contextmanager
def tenant_scope(tenant_id: str) -> Iterator[None]:
    """Run the block's database work for ``tenant_id`` only (``SYSTEM`` for work that is for no one tenant)."""
    if not tenant_id:
        raise ValueError("a tenant scope needs a tenant id")
    token = _current.set(_Scope(tenant_id))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def request_scope() -> Iterator[None]:
    """One HTTP request: system until :func:`narrow_request` names the tenant its key authenticated."""
    token = _current.set(_Scope(SYSTEM))
    try:
        yield
    finally:
        _current.reset(token)


def narrow_request(tenant_id: str) -> None:
    """From now on the current request's database work is for ``tenant_id`` only."""
    scope = _current.get()
    if scope is _PROCESS:
        raise RuntimeError("narrow_request outside a request scope")
    scope.tenant = tenant_id


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a tenant id cannot contain NUL")
    return "'" + value.replace("'", "''") + "'"


class ScopedConnection(asyncpg.Connection):  # type: ignore[misc]
    """asyncpg's connection, with the tenant scope sent along with each ``BEGIN``."""

    session_scope: str | None = None  # the session-level setting (used outside transactions), as last set

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        # asyncpg's Transaction.start sends "BEGIN …;" alone, as a simple query: one message may carry more.
        if not args and query.startswith("BEGIN"):
            query = f"{query} SELECT set_config('{SETTING}', {_literal(current_tenant_scope())}, true);"
        result: str = await super().execute(query, *args, timeout=timeout)
        return result

    async def scope_session(self, tenant: str) -> None:
        await super().execute(f"SELECT set_config('{SETTING}', {_literal(tenant)}, false)")
        self.session_scope = tenant


def _before_cursor_execute(conn: Connection, *_: Any) -> None:
    """Outside a transaction there is no ``BEGIN`` to carry the scope: set it on the session when it differs."""
    adapted = conn.connection.dbapi_connection
    if adapted is None or getattr(adapted, "isolation_level", None) != "autocommit":
        return
    driver = adapted.driver_connection
    scope = current_tenant_scope()
    if isinstance(driver, ScopedConnection) and driver.session_scope != scope:
        await_(driver.scope_session(scope))


def install(engine: AsyncEngine) -> None:
    """Apply the scope to autocommit reads of ``engine`` (transactions carry it in their ``BEGIN``)."""
    event.listen(engine.sync_engine, "before_cursor_execute", _before_cursor_execute)


CONNECT_ARGS: dict[str, Any] = {"connection_class": ScopedConnection}
"""``connect_args`` of an engine whose transactions carry the tenant scope."""

_MATCHES = f"(tenant_id = current_setting('{SETTING}', true) OR current_setting('{SETTING}', true) = '{SYSTEM}')"

_TENANT_TABLES = text(
    "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity AS secured, "
    "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = :policy) AS has_policy "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped "
    "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') ORDER BY c.relname"
)


async def secure_schema(conn: AsyncConnection, schema: str, service_role: str | None) -> list[str]:
    """Give every table of ``schema`` with a ``tenant_id`` the tenant policy (idempotent: only what is missing),
    and grant ``service_role`` the use of the schema's tables; returns the tenant-scoped tables."""
    rows = (await conn.execute(_TENANT_TABLES, {"schema": schema, "policy": POLICY})).all()
    for name, secured, has_policy in rows:
        table = f'"{schema}"."{name}"'
        if not has_policy:
            await conn.execute(text(f"CREATE POLICY {POLICY} ON {table} USING {_MATCHES} WITH CHECK {_MATCHES}"))
        if not secured:
            await conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
            await conn.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
    if service_role:
        role = '"' + service_role.replace('"', '""') + '"'
        await conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        await conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}'))
        await conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}'))
    return [name for name, _, _ in rows]
