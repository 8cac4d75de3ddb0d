"""Row-level security holds by construction: the conversation service, connected as a role that owns no table and
has no BYPASSRLS (migrations ran as the owner), with a repository query whose ``tenant_id`` filter is removed,
still never returns another tenant's rows — over HTTP, through the autocommit reader, and a connection that names
no tenant sees nothing at all (libs/platform/row_security.py)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from deskpilot.database_roles import provision_role
from deskpilot.tenants import NewTenant
from libs.events import EventLog
from libs.platform.row_security import tenant_scope
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.models import conversations
from services.conversation.repository import ConversationRepository, ConversationRow
from tests.support import eventually, provision_tenant, running


async def _as_owner(database_url: str, *statements: str) -> list[Any]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        results: list[Any] = []
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                results.append(result.all() if result.returns_rows else None)
        return results
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def service_url(database_url: str) -> str:
    """A login role like the one ``deskpilot up`` gives the services: no superuser, no BYPASSRLS, owns nothing —
    made as docker-compose makes it (``deskpilot database provision-role``)."""
    role = f"dp_rls_{secrets.token_hex(4)}"
    url = make_url(database_url).set(username=role, password=secrets.token_hex(8)).render_as_string(hide_password=False)
    assert await provision_role(database_url, url) == role
    assert await provision_role(database_url, url) == role  # again: updated, not refused
    query = f"SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = '{role}'"  # noqa: S608
    assert (await _as_owner(database_url, query))[0] == [(True, False, False, False)]
    with pytest.raises(ValueError, match="not the owner"):
        await provision_role(database_url, database_url)
    return url


@pytest.fixture(scope="module")
async def service(nats_url: str, database_url: str, service_url: str) -> AsyncIterator[tuple[httpx2.AsyncClient, Any]]:
    settings = ConversationSettings.model_validate(
        {"NATS_URL": nats_url, "DATABASE_URL": service_url, "DATABASE_OWNER_URL": database_url}
    )
    async with running(create_app(settings)) as (client, runtime):
        yield client, runtime


async def _conversation(client: httpx2.AsyncClient, tenant: NewTenant) -> str:
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    started = await client.post("/v1/conversations", json={"customer_id": "rls@example.com"}, headers=auth)
    assert started.status_code == 201, started.text
    conversation_id: str = started.json()["id"]

    async def projected() -> bool:
        return (await client.get(f"/v1/conversations/{conversation_id}", headers=auth)).status_code == 200

    await eventually(projected, what="the conversation to be projected")
    return conversation_id


async def _unfiltered_list(self: ConversationRepository, *_: Any, **__: Any) -> list[ConversationRow]:
    """``list_for_tenant`` with its tenant filter removed: only row-level security stands between tenants."""
    query = select(conversations).order_by(conversations.c.created_at.desc()).limit(1000)
    return [ConversationRow.from_row(r) for r in (await self.session.execute(query)).mappings()]


async def _unfiltered_get(self: ConversationRepository, _tenant_id: str, conversation_id: str, **_: Any) -> Any:
    query = select(conversations).where(conversations.c.conversation_id == conversation_id)
    row = (await self.session.execute(query)).mappings().first()
    return ConversationRow.from_row(row) if row else None


async def test_a_query_without_its_tenant_filter_returns_no_other_tenants_rows(
    service: tuple[httpx2.AsyncClient, ServiceRuntime], event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = service
    a = await provision_tenant(event_log, runtime, "Tenant A")
    b = await provision_tenant(event_log, runtime, "Tenant B")
    a_conversation = await _conversation(client, a)
    b_conversation = await _conversation(client, b)
    monkeypatch.setattr(ConversationRepository, "list_for_tenant", _unfiltered_list)
    monkeypatch.setattr(ConversationRepository, "get", _unfiltered_get)

    for tenant, own, other in ((a, a_conversation, b_conversation), (b, b_conversation, a_conversation)):
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        listed = await client.get("/v1/conversations", headers=auth)
        assert listed.status_code == 200
        seen = {c["id"] for c in listed.json()["items"]}
        assert seen == {own}, "the unfiltered query saw only the key's tenant"
        assert (await client.get(f"/v1/conversations/{other}", headers=auth)).status_code == 404
        assert (await client.get(f"/v1/conversations/{own}", headers=auth)).status_code == 200

    # The autocommit reader sets the scope on its connection when it changes, both ways.
    for tenant, own in ((a, a_conversation), (b, b_conversation), (a, a_conversation)):
        with tenant_scope(tenant.tenant_id):
            async with runtime.db.reader() as session:
                rows = (await session.execute(select(conversations.c.conversation_id))).scalars().all()
        assert set(rows) == {own}


async def test_the_service_role_cannot_write_for_another_tenant_nor_lift_the_policy(
    service: tuple[httpx2.AsyncClient, ServiceRuntime], event_log: EventLog
) -> None:
    _, runtime = service
    a = await provision_tenant(event_log, runtime, "Tenant A")
    b = await provision_tenant(event_log, runtime, "Tenant B")
    with tenant_scope(b.tenant_id), pytest.raises(DBAPIError, match="row-level security"):
        async with runtime.db.session() as session, session.begin():
            await session.execute(
                conversations.insert().values(
                    tenant_id=a.tenant_id, conversation_id="cnv_planted", channel="api", status="open"
                )
            )
    with pytest.raises(DBAPIError, match="must be owner"):
        async with runtime.db.session() as session, session.begin():
            await session.execute(text("ALTER TABLE conversation.conversations DISABLE ROW LEVEL SECURITY"))


async def test_a_connection_that_names_no_tenant_sees_nothing(
    service: tuple[httpx2.AsyncClient, ServiceRuntime], database_url: str, service_url: str
) -> None:
    plain = create_async_engine(service_url, poolclass=NullPool)  # asyncpg's own connection: no scope sent
    try:
        async with plain.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM conversation.conversations"))).scalar_one()
    finally:
        await plain.dispose()
    assert count == 0
    [tables] = await _as_owner(
        database_url,
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
        "WHERE n.nspname = 'conversation' AND c.relkind = 'r'",
    )
    assert len(tables) >= 9
    role = make_url(service_url).username
    for name, enabled, forced, owner in tables:
        assert enabled, f"{name} has no row-level security"
        assert forced, f"{name}'s owner is not held to row-level security"
        assert owner != role, f"the service role owns {name}"
