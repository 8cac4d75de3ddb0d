"""Single sign-on over real HTTP against a local OpenID Connect issuer (discovery, JWKS, authorize, token with a
signed ID token), on real PostgreSQL + JetStream: the happy path signs in with the mapped role; an ID token for
another audience, expired, badly signed or replayed (its nonce another sign-in's), and an unknown or reused state
are each refused with their reason and no sign-in key."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import func, select

from libs.events import EventLog
from libs.platform.runtime import ServiceRuntime
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.models import issued_keys, sso_configs
from services.ticketing.tests.fake_issuer import CLIENT_ID, CLIENT_SECRET, FakeIssuer
from tests.support import provision_tenant, running, serving

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
REDIRECT = "http://127.0.0.1:9/web/sso/callback"  # never called: the test reads the redirect itself


@pytest.fixture(scope="module")
async def issuer() -> AsyncIterator[FakeIssuer]:
    async with serving(FakeIssuer(redirect_uris=[REDIRECT])) as fake:
        yield fake


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, ticketing_database: dict[str, str]) -> AsyncIterator[Service]:
    settings = TicketingSettings.model_validate(
        {"NATS_URL": nats_url, "DESKPILOT_SSO_ALLOW_LOCAL_ISSUERS": True, **ticketing_database}
    )
    async with running(create_app(settings)) as svc:
        yield svc


@pytest.fixture
async def tenant(ticketing: Service, issuer: FakeIssuer, event_log: EventLog) -> dict[str, str]:
    """A tenant whose owner configured the fake issuer: group ``desk-admins`` → admin, ``desk-agents`` → agent."""
    client, runtime = ticketing
    made = await provision_tenant(event_log, runtime)
    config = {
        "issuer": issuer.base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "role_claim": "groups",
        "role_values": {"desk-admins": "admin", "desk-agents": "agent"},
    }
    r = await client.put("/v1/tickets/sso", json=config, headers={"Authorization": f"Bearer {made.api_key}"})
    assert r.status_code == 200, r.text
    issuer.user = {"sub": f"u-{secrets.token_hex(4)}", "email": "ada@example.com", "name": "Ada", "groups": []}
    issuer.tamper = None
    return {"tenant_id": made.tenant_id, "api_key": made.api_key}


async def authorize(client: httpx2.AsyncClient, tenant_id: str) -> tuple[str, str]:
    """Start a sign-in and let the issuer send the browser back: the state and code it came back with."""
    r = await client.post("/v1/tickets/sso/authorizations", json={"tenant_id": tenant_id, "redirect_uri": REDIRECT})
    assert r.status_code == 201, r.text
    started = r.json()
    async with httpx2.AsyncClient() as browser:
        back = await browser.get(started["authorization_url"])
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [started["state"]]
    return started["state"], query["code"][0]


async def finish(client: httpx2.AsyncClient, tenant_id: str, state: str, code: str) -> httpx2.Response:
    return await client.post("/v1/tickets/sso/sessions", json={"tenant_id": tenant_id, "state": state, "code": code})


async def sessions_of(runtime: ServiceRuntime, tenant_id: str) -> int:
    async with runtime.db.session() as session:
        query = select(func.count()).where(issued_keys.c.tenant_id == tenant_id, issued_keys.c.kind == "session")
        return int((await session.execute(query)).scalar_one())


async def test_a_signed_id_token_signs_in_with_the_mapped_role_as_the_same_agent_each_time(
    ticketing: Service, issuer: FakeIssuer, tenant: dict[str, str]
) -> None:
    client, runtime = ticketing
    issuer.user["groups"] = ["staff", "desk-admins"]
    r = await finish(client, tenant["tenant_id"], *await authorize(client, tenant["tenant_id"]))
    assert r.status_code == 201, r.text
    signed: dict[str, Any] = r.json()
    assert signed["tenant_id"] == tenant["tenant_id"]
    assert signed["agent"] | {"name": "Ada", "email": "ada@example.com", "role": "admin"} == signed["agent"]
    me = await client.get("/v1/tickets/agents", headers={"Authorization": f"Bearer {signed['session_key']}"})
    assert me.status_code == 200, me.text  # listing agents needs an admin: the key acts in the mapped role

    issuer.user["groups"] = "desk-agents"  # demoted at the issuer: the next sign-in is an agent, same account
    again = (await finish(client, tenant["tenant_id"], *await authorize(client, tenant["tenant_id"]))).json()
    assert again["agent"]["agent_id"] == signed["agent"]["agent_id"]
    assert again["agent"]["role"] == "agent"

    shown = await client.get("/v1/tickets/sso", headers={"Authorization": f"Bearer {tenant['api_key']}"})
    assert shown.json()["client_secret_set"] is True
    assert CLIENT_SECRET not in shown.text
    async with runtime.db.session() as session:
        stored = (
            await session.execute(
                select(sso_configs.c.client_secret_sealed).where(sso_configs.c.tenant_id == tenant["tenant_id"])
            )
        ).scalar_one()
    assert CLIENT_SECRET not in stored


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("audience", "issued for another client"),
        ("expired", "has expired"),
        ("bad_signature", "signature does not verify"),
        ("replay", "nonce is not this sign-in's"),
    ],
)
async def test_a_wrong_id_token_is_refused_with_its_reason_and_no_sign_in(
    ticketing: Service, issuer: FakeIssuer, tenant: dict[str, str], tamper: Any, reason: str
) -> None:
    client, runtime = ticketing
    issuer.user["groups"] = ["desk-agents"]
    first = await finish(client, tenant["tenant_id"], *await authorize(client, tenant["tenant_id"]))
    assert first.status_code == 201, first.text  # a genuine sign-in first: its ID token is what "replay" resends
    before = await sessions_of(runtime, tenant["tenant_id"])
    issuer.tamper = tamper
    r = await finish(client, tenant["tenant_id"], *await authorize(client, tenant["tenant_id"]))
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert reason in r.json()["detail"]
    assert await sessions_of(runtime, tenant["tenant_id"]) == before


async def test_a_wrong_or_reused_state_and_an_unmapped_role_are_refused(
    ticketing: Service, issuer: FakeIssuer, tenant: dict[str, str]
) -> None:
    client, runtime = ticketing
    state, code = await authorize(client, tenant["tenant_id"])
    wrong = await finish(client, tenant["tenant_id"], "not-" + state, code)
    assert wrong.status_code == 401, wrong.text
    assert "(state)" in wrong.json()["detail"]
    # The state of another tenant's sign-in does not work here either.
    assert (await finish(client, "ten_other", state, code)).status_code in (401, 404)

    issuer.user["groups"] = ["desk-agents"]
    state, code = await authorize(client, tenant["tenant_id"])
    assert (await finish(client, tenant["tenant_id"], state, code)).status_code == 201
    reused = await finish(client, tenant["tenant_id"], state, code)
    assert reused.status_code == 401, reused.text
    assert "already used" in reused.json()["detail"]

    issuer.user["groups"] = ["marketing"]
    before = await sessions_of(runtime, tenant["tenant_id"])
    unmapped = await finish(client, tenant["tenant_id"], *await authorize(client, tenant["tenant_id"]))
    assert unmapped.status_code == 403, unmapped.text
    assert "no 'groups' value" in unmapped.json()["detail"]
    assert await sessions_of(runtime, tenant["tenant_id"]) == before


async def test_configuration_is_for_owners_and_checks_the_issuer(ticketing: Service, tenant: dict[str, str]) -> None:
    client, _ = ticketing
    owner = {"Authorization": f"Bearer {tenant['api_key']}"}
    plain = {"issuer": "http://example.com", "client_id": "x", "client_secret": "y"}
    r = await client.put("/v1/tickets/sso", json=plain, headers=owner)
    assert r.status_code in {400, 422}, r.text  # http:// only on this machine
    unreachable = plain | {"issuer": "http://127.0.0.1:9"}
    r = await client.put("/v1/tickets/sso", json=unreachable, headers=owner)
    assert r.status_code == 200, r.text  # saved: the network's answer is not the request's shape (and no 5xx)
    assert "discovery document could not be read" in r.json()["issuer_problem"]
    shown = await client.get("/v1/tickets/sso", headers=owner)
    assert shown.json()["issuer_problem"] == r.json()["issuer_problem"]
    sign_in = await client.post(
        "/v1/tickets/sso/authorizations", json={"tenant_id": tenant["tenant_id"], "redirect_uri": REDIRECT}
    )
    assert sign_in.status_code == 502, sign_in.text  # until the issuer answers
    assert (await client.put("/v1/tickets/sso", json=plain)).status_code == 401
    assert (await client.delete("/v1/tickets/sso", headers=owner)).status_code == 204
    assert (await client.get("/v1/tickets/sso", headers=owner)).status_code == 404
    no_secret = {"issuer": "https://example.com", "client_id": "x"}  # none stored to keep: what is stored decides
    r = await client.put("/v1/tickets/sso", json=no_secret, headers=owner)
    assert (r.status_code, r.json()["detail"]) == (409, "a client secret is needed the first time"), r.text
    r = await client.post(
        "/v1/tickets/sso/authorizations", json={"tenant_id": tenant["tenant_id"], "redirect_uri": REDIRECT}
    )
    assert r.status_code == 404, r.text
    assert "not configured" in r.json()["detail"]
