"""Per-tenant retention: conversations last active more than N days ago are erased the way an erasure request erases
them (keys destroyed, the request recorded, every service asked to redact), by a run that is idempotent and resumes
where a run cut short stopped; the clock is the run's argument (no sleeps, no waiting N days)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from sqlalchemy import make_url, select

from deskpilot.database_roles import provision_role
from deskpilot.tenants import NewTenant
from libs.events import EventLog, MessageReceived
from libs.events.personal import ERASED
from libs.platform.row_security import tenant_scope
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.models import conversations
from services.conversation.repository import PrivacyRepository
from services.conversation.retention import erase_expired
from tests.support import eventually, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    """The conversation service as deployed: connected as a role that owns nothing and has no BYPASSRLS (the test
    database's own role is a superuser, which row-level security would not hold back), migrated as the owner."""
    role = f"dp_retention_{secrets.token_hex(4)}"
    url = make_url(database_url).set(username=role, password=secrets.token_hex(8)).render_as_string(hide_password=False)
    await provision_role(database_url, url)
    settings = ConversationSettings.model_validate(
        {"NATS_URL": nats_url, "DATABASE_URL": url, "DATABASE_OWNER_URL": database_url}
    )
    async with running(create_app(settings)) as svc:
        yield svc


async def _conversation(client: httpx2.AsyncClient, tenant: NewTenant, text: str) -> str:
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    started = await client.post("/v1/conversations", json={"customer_id": "kept@example.com"}, headers=auth)
    assert started.status_code == 201, started.text
    cid: str = started.json()["id"]
    posted = await client.post(f"/v1/conversations/{cid}/messages", json={"text": text}, headers=auth)
    assert posted.status_code == 202, posted.text

    async def projected() -> bool:
        got = await client.get(f"/v1/conversations/{cid}", headers=auth)
        return got.status_code == 200 and len(got.json()["transcript"]) >= 1

    await eventually(projected, what="the conversation and its message to be projected")
    return cid


async def _texts(log: EventLog, tenant_id: str, cid: str) -> list[str]:
    events = await log.read(tenant_id, cid)
    return [e.event.payload.text for e in events if isinstance(e.event.payload, MessageReceived)]


async def test_retention_erases_expired_conversations_once_and_resumes(service: Service, event_log: EventLog) -> None:
    client, runtime = service
    kept, other = (
        await provision_tenant(event_log, runtime, "Keeps 30 days"),
        await provision_tenant(event_log, runtime),
    )
    auth = {"Authorization": f"Bearer {kept.api_key}"}
    assert (await client.get("/v1/privacy/retention", headers=auth)).json() == {"days": None}
    for bad in ({"days": 0}, {"days": 40_000}, {}, {"days": 30, "extra": 1}):
        assert (await client.put("/v1/privacy/retention", json=bad, headers=auth)).status_code == 422, bad
    assert (await client.put("/v1/privacy/retention", json={"days": 30}, headers=auth)).json() == {"days": 30}
    assert (await client.get("/v1/privacy/retention", headers=auth)).json() == {"days": 30}

    ids = [await _conversation(client, kept, f"my card ends 4242 ({n})") for n in range(3)]
    untouched = await _conversation(client, other, "another tenant keeps this")  # no retention set
    now = datetime.now(UTC)

    assert (await erase_expired(runtime, now + timedelta(days=29))).conversations == 0  # not expired yet
    first = await erase_expired(runtime, now + timedelta(days=31), batch=2, max_batches=1)  # cut short
    assert (first.conversations, len(first.erasures)) == (2, 1)
    rest = await erase_expired(runtime, now + timedelta(days=31), batch=2)  # resumed: only the one left
    assert (rest.conversations, len(rest.erasures)) == (1, 1)
    assert (await erase_expired(runtime, now + timedelta(days=400))).conversations == 0  # idempotent

    for cid in ids:  # crypto-shredded: the log still holds the event, its text no longer opens
        assert await _texts(event_log, kept.tenant_id, cid) == [ERASED]
    assert await _texts(event_log, other.tenant_id, untouched) == ["another tenant keeps this"]
    with tenant_scope(kept.tenant_id):
        async with runtime.db.reader() as session:
            erasures = [await PrivacyRepository(session).get(kept.tenant_id, e, "erasure") for e in first.erasures]
            query = select(conversations.c.erased_at).where(conversations.c.tenant_id == kept.tenant_id)
            erased_at = (await session.execute(query)).scalars().all()
    assert [(r.requested_by, len(r.conversation_ids)) for r in erasures if r] == [("retention", 2)]
    assert len(erased_at) == 3
    assert all(erased_at)
    status = await client.get(f"/v1/privacy/erasures/{rest.erasures[0]}", headers=auth)
    assert (status.status_code, status.json()["requested_by"]) == (200, "retention")

    # The conversation service's own redaction (its answer to privacy.erasure_requested) empties the transcript.
    async def redacted() -> bool:
        got = await client.get(f"/v1/conversations/{ids[0]}", headers=auth)
        return got.status_code == 200 and got.json().get("customer_id") is None

    await eventually(redacted, what="the conversation service to redact the erased conversation")
    assert (await client.put("/v1/privacy/retention", json={"days": None}, headers=auth)).json() == {"days": None}
