"""Accounts on real PostgreSQL + JetStream: passwords, sign-in keys and API keys, and how every service learns
them (``api_key.issued`` / ``api_key.revoked`` projected by the platform's runtime)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

import httpx2
import pytest
from litestar import get
from sqlalchemy import select

from libs.events import EventLog
from libs.platform.http import HUMAN_AGENTS, TenantId, build_app
from libs.platform.runtime import ServiceRuntime
from libs.platform.tenancy import TenantDirectory
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.models import agent_passwords
from tests.support import eventually, outbox_events, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, ticketing_database: dict[str, str]) -> AsyncIterator[Service]:
    settings = TicketingSettings.model_validate(
        {"NATS_URL": nats_url, **ticketing_database, "DESKPILOT_TICKETING_SIGN_IN_FAILURES": 3}
    )
    async with running(create_app(settings)) as svc:
        yield svc


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def agent_with_password(
    client: httpx2.AsyncClient, admin_key: str, role: str = "agent", email: str | None = None
) -> dict[str, Any]:
    email = email or f"{secrets.token_hex(4)}@example.com"
    r = await client.post(
        "/v1/tickets/agents/", json={"name": f"{role} person", "email": email, "role": role}, headers=auth(admin_key)
    )
    assert r.status_code == 201, r.text
    agent: dict[str, Any] = r.json()
    password = "correct horse battery"
    r = await client.put(
        f"/v1/tickets/agents/{agent['agent_id']}/password", json={"password": password}, headers=auth(admin_key)
    )
    assert r.status_code == 204, r.text
    return agent | {"password": password}


async def sign_in(client: httpx2.AsyncClient, email: str, password: str) -> httpx2.Response:
    return await client.post("/v1/tickets/sessions/", json={"email": email, "password": password})


async def test_a_password_signs_in_and_the_key_acts_as_the_agent_until_sign_out(
    ticketing: Service, event_log: EventLog
) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    agent = await agent_with_password(client, tenant.api_key)

    async with runtime.db.session() as session:
        stored = (
            await session.execute(
                select(agent_passwords.c.password_hash).where(agent_passwords.c.agent_id == agent["agent_id"])
            )
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert agent["password"] not in stored

    assert (await sign_in(client, agent["email"], "wrong password")).status_code == 401
    assert (await sign_in(client, "nobody@example.com", agent["password"])).status_code == 401
    r = await sign_in(client, agent["email"].upper(), agent["password"])
    assert r.status_code == 201, r.text
    signed = r.json()
    key = signed["session_key"]
    assert key.startswith("dps_")
    assert (signed["tenant_id"], signed["agent"]["agent_id"]) == (tenant.tenant_id, agent["agent_id"])

    me = await client.get("/v1/tickets/agents/me", headers=auth(key))
    assert me.status_code == 200
    assert me.json()["agent_id"] == agent["agent_id"]
    # Announced to every service, with the agent's role and expiry; this service's own projection learns it too.
    (issued,) = [e for e in await outbox_events(runtime, "api_key.issued") if e.payload.key_id == signed["key_id"]]  # type: ignore[union-attr]
    assert issued.tenant_id == tenant.tenant_id
    assert issued.payload.role == "agent"  # type: ignore[union-attr]
    assert key not in issued.model_dump_json()

    async def projected() -> bool:
        holder = await runtime.tenants.holder(key)
        return holder is not None and holder.role == "agent"

    await eventually(projected, what="the sign-in key to be projected")
    assert await runtime.tenants.authenticate(key) is None, "an agent's key does not act as the tenant"

    assert (await client.delete("/v1/tickets/sessions/current", headers=auth(key))).status_code == 204
    assert (await client.get("/v1/tickets/agents/me", headers=auth(key))).status_code == 401

    async def refused_everywhere() -> bool:
        return await runtime.tenants.holder(key) is None

    await eventually(refused_everywhere, what="the revocation to be projected")


async def test_a_new_password_ends_other_sign_ins_and_failures_are_throttled(
    ticketing: Service, event_log: EventLog
) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    agent = await agent_with_password(client, tenant.api_key)
    first = (await sign_in(client, agent["email"], agent["password"])).json()["session_key"]
    second = (await sign_in(client, agent["email"], agent["password"])).json()["session_key"]
    r = await client.put(
        f"/v1/tickets/agents/{agent['agent_id']}/password",
        json={"password": "a brand new passphrase"},
        headers=auth(second),
    )
    assert r.status_code == 204, r.text
    assert (await client.get("/v1/tickets/agents/me", headers=auth(first))).status_code == 401
    assert (await client.get("/v1/tickets/agents/me", headers=auth(second))).status_code == 200
    assert (await sign_in(client, agent["email"], agent["password"])).status_code == 401

    for _ in range(2):
        assert (await sign_in(client, agent["email"], "guess")).status_code == 401
    throttled = await sign_in(client, agent["email"], "a brand new passphrase")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0


async def test_a_body_field_named_like_a_dependency_is_a_422_problem(ticketing: Service) -> None:
    """``tenant_id`` is both a field of the sign-in and a dependency's name: Litestar alone answered 500."""
    client, _ = ticketing
    body = {"email": "a@example.com", "password": "x", "tenant_id": "t" * 65}
    r = await client.post("/v1/tickets/sessions/", json=body)
    assert (r.status_code, r.headers["content-type"]) == (422, "application/problem+json"), r.text
    assert [e["field"] for e in r.json()["errors"]] == ["tenant_id"]
    both = await client.post("/v1/tickets/sessions/", json=body | {"email": ""})
    assert {e["field"] for e in both.json()["errors"]} == {"email", "tenant_id"}, both.text


async def test_roles_owner_admin_agent(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    admin = await agent_with_password(client, tenant.api_key, "admin")
    agent = await agent_with_password(client, tenant.api_key, "agent")
    admin_key = (await sign_in(client, admin["email"], admin["password"])).json()["session_key"]
    agent_key = (await sign_in(client, agent["email"], agent["password"])).json()["session_key"]

    # Only an owner makes an owner; an admin makes agents; an agent makes nobody.
    owner_by_admin = await client.post(
        "/v1/tickets/agents/", json={"name": "O", "role": "owner"}, headers=auth(admin_key)
    )
    assert owner_by_admin.status_code == 403
    assert (
        await client.post("/v1/tickets/agents/", json={"name": "A", "role": "agent"}, headers=auth(agent_key))
    ).status_code == 403
    owner = await agent_with_password(client, tenant.api_key, "owner")
    # An admin cannot take over an owner's account.
    r = await client.put(
        f"/v1/tickets/agents/{owner['agent_id']}/password",
        json={"password": "hijacked by admin"},
        headers=auth(admin_key),
    )
    assert r.status_code == 403
    owner_key = (await sign_in(client, owner["email"], owner["password"])).json()["session_key"]

    # API keys: owners create, rotate and revoke; admins list; agents nothing.
    assert (await client.post("/v1/tickets/api-keys/", json={"name": "ci"}, headers=auth(admin_key))).status_code == 403
    assert (await client.get("/v1/tickets/api-keys/", headers=auth(agent_key))).status_code == 403
    r = await client.post("/v1/tickets/api-keys/", json={"name": "ci", "role": "admin"}, headers=auth(owner_key))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["api_key"].startswith("dp_")
    assert created["key_prefix"] == created["api_key"][:8]

    async def works(key: str) -> bool:
        return await runtime.tenants.authenticate(key) == tenant.tenant_id

    await eventually(lambda: works(created["api_key"]), what="the API key to be projected")
    listed = (await client.get("/v1/tickets/api-keys/", headers=auth(admin_key))).json()["items"]
    assert [k["key_id"] for k in listed] == [created["key_id"]]
    assert "api_key" not in listed[0]

    r = await client.post(f"/v1/tickets/api-keys/{created['key_id']}/rotate", headers=auth(owner_key))
    assert r.status_code == 201, r.text
    rotated = r.json()
    assert rotated["name"] == "ci"
    assert rotated["key_id"] != created["key_id"]
    await eventually(lambda: works(rotated["api_key"]), what="the new key to be projected")

    async def old_refused() -> bool:
        return await runtime.tenants.authenticate(created["api_key"]) is None

    await eventually(old_refused, what="the rotated key to be refused")
    assert (
        await client.delete(f"/v1/tickets/api-keys/{rotated['key_id']}", headers=auth(owner_key))
    ).status_code == 204
    assert (
        await client.delete(f"/v1/tickets/api-keys/{rotated['key_id']}", headers=auth(owner_key))
    ).status_code == 204
    assert (await client.delete("/v1/tickets/api-keys/key_nope", headers=auth(owner_key))).status_code == 404
    # Another tenant's owner sees none of it.
    other = await provision_tenant(event_log, runtime)
    assert (await client.get("/v1/tickets/api-keys/", headers=auth(other.api_key))).json()["items"] == []
    assert (
        await client.delete(f"/v1/tickets/api-keys/{created['key_id']}", headers=auth(other.api_key))
    ).status_code == 404


async def test_an_agents_sign_in_key_opens_only_the_routes_marked_for_human_agents(
    ticketing: Service, event_log: EventLog
) -> None:
    """``libs.platform.http``: a route marked ``HUMAN_AGENTS`` accepts an agent's key; every other route refuses it
    (403) while accepting keys that act as the tenant."""

    @get("/v1/probe/for-agents", opt=HUMAN_AGENTS)
    async def for_agents(tenant_id: TenantId) -> dict[str, str]:
        return {"tenant": tenant_id}

    @get("/v1/probe/for-admins")
    async def for_admins(tenant_id: TenantId) -> dict[str, str]:
        return {"tenant": tenant_id}

    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    agent = await agent_with_password(client, tenant.api_key)
    key = (await sign_in(client, agent["email"], agent["password"])).json()["session_key"]

    async def projected() -> bool:
        return await runtime.tenants.holder(key) is not None

    await eventually(projected, what="the sign-in key to be projected")
    probe = build_app(runtime, [for_agents, for_admins])  # called in-process: its lifespan does not run
    transport = httpx2.ASGITransport(app=cast(Any, probe))
    async with httpx2.AsyncClient(transport=transport, base_url="http://probe") as http:
        assert (await http.get("/v1/probe/for-agents", headers=auth(key))).json() == {"tenant": tenant.tenant_id}
        refused = await http.get("/v1/probe/for-admins", headers=auth(key))
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
        assert (await http.get("/v1/probe/for-admins", headers=auth(tenant.api_key))).status_code == 200
        assert (await http.get("/v1/probe/for-agents", headers=auth("dps_unknown"))).status_code == 401


async def test_the_tenants_original_key_is_revoked_and_rotated(ticketing: Service, event_log: EventLog) -> None:
    """The key a tenant was created with: an owner revokes it (401 from then on, in this process at once and in
    another replica once its cache of original keys expires), or rotates it into an owner API key."""
    client, runtime = ticketing
    tenant, other = await provision_tenant(event_log, runtime), await provision_tenant(event_log, runtime)
    replica = TenantDirectory(runtime.db.sessions, runtime.tenants_table, runtime.api_keys_table, original_key_ttl=0.5)
    assert await replica.authenticate(tenant.api_key) == tenant.tenant_id  # cached by the other replica
    r = await client.post("/v1/tickets/api-keys/", json={"name": "ops", "role": "owner"}, headers=auth(tenant.api_key))
    issued = r.json()["api_key"]
    await eventually(lambda: runtime.tenants.authenticate(issued), what="the owner key to be projected")
    listed = (await client.get("/v1/tickets/api-keys/", headers=auth(issued))).json()
    assert listed["original_key_active"] is True

    assert (await client.delete("/v1/tickets/api-keys/original", headers=auth(issued))).status_code == 204
    # this service reads its own write: the listing and the key's refusal hold from the answer on, not eventually
    listed = (await client.get("/v1/tickets/api-keys/", headers=auth(issued))).json()
    assert listed["original_key_active"] is False
    assert (await client.get("/v1/tickets/api-keys/", headers=auth(tenant.api_key))).status_code == 401
    await eventually(lambda: _none(replica.authenticate(tenant.api_key)), timeout=10, what="the replica to refuse it")
    assert (await client.delete("/v1/tickets/api-keys/original", headers=auth(issued))).status_code == 204  # again
    assert await runtime.tenants.authenticate(other.api_key) == other.tenant_id  # another tenant's key still works

    r = await client.post("/v1/tickets/api-keys/original/rotate", headers=auth(other.api_key))
    assert r.status_code == 201, r.text
    rotated = r.json()
    assert (rotated["role"], rotated["api_key"][:3]) == ("owner", "dp_")
    await eventually(lambda: runtime.tenants.authenticate(rotated["api_key"]), what="the new key to be projected")
    await eventually(lambda: _none(runtime.tenants.authenticate(other.api_key)), what="the old one to be refused")


async def _none(lookup: Awaitable[str | None]) -> bool:
    return await lookup is None


async def test_ticketing_authenticates_at_the_edge_before_any_validation(ticketing: Service) -> None:
    """Like every service's routes: no key or an unknown one is 401 (with the Bearer challenge) before the body or
    query is looked at; hostile JSON with no key was a 400 when ticketing authenticated in its handlers."""
    client, _ = ticketing
    unknown = auth("dpa_" + secrets.token_hex(16))
    for r in [
        await client.post("/v1/tickets/t_1/notes", content=b'{"text": "\\u0000"}'),
        await client.post("/v1/tickets/t_1/notes", content=b'{"text": 1}', headers=unknown),
        await client.get("/v1/tickets/reports/csat?from=x"),
        await client.patch("/v1/tickets/agents/a_1", content=b"[" * 100, headers=unknown),
    ]:
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["code"] == "unauthorized"
