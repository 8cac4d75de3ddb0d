"""Zendesk against a local fake over real HTTP: the OAuth dance with PKCE (the fake checks the verifier), rotating
refresh tokens stored before use, tickets created/updated/read on the real execution path, a create running once
on redelivery and after a crash (Idempotency-Key), an update that may have happened not sent twice, dry-run, and
ticket sync from signed webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from libs.events import (
    Actor,
    Envelope,
    EventLog,
    ExternalTicketUpdated,
    HumanReplied,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolsPublished,
    new_id,
)
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.integrations import handlers, service
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.manifest import builtin_manifests
from services.integrations.providers import zendesk_sync
from services.integrations.repository import (
    AuditQuery,
    AuditRepository,
    ConnectionRepository,
    ExternalTicketRepository,
    TicketState,
    VaultRepository,
)
from services.integrations.tests.fake_zendesk import CLIENT_ID, CLIENT_SECRET, SUBDOMAIN, FakeZendesk
from services.integrations.tests.support import auth, outcomes_of, run_tool, tool_call
from services.integrations.tests.test_webhooks import SECRET
from services.integrations.tests.test_webhooks import zendesk as sign_zendesk
from services.integrations.vault import new_master_key
from tests.support import database_work, eventually, outbox_events, provision_tenant, running, serving

REDIRECT = "http://service/v1/integrations/oauth/callback"
Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes, FakeZendesk]


@pytest.fixture(scope="module")
async def zendesk_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    async with serving(FakeZendesk(redirect_uri=REDIRECT)) as fake:
        clients = {
            "zendesk": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{fake.base_url}/{{subdomain}}/oauth/authorizations/new",
                "token_url": f"{fake.base_url}/{{subdomain}}/oauth/tokens",
                "api_base_url": f"{fake.base_url}/{{subdomain}}",
                "revocation_url": f"{fake.base_url}/{{subdomain}}/api/v2/oauth/tokens/current.json",
            }
        }
        settings = IntegrationsSettings.model_validate(
            {
                "NATS_URL": nats_url,
                "DATABASE_URL": database_url,
                "DESKPILOT_VAULT_MASTER_KEYS": f"t1:{new_master_key()}",
                "DESKPILOT_OAUTH_CLIENTS": json.dumps(clients),
                "DESKPILOT_OAUTH_REDIRECT_URL": REDIRECT,
            }
        )
        app = create_app(settings)
        async with running(app) as (client, runtime):
            yield client, runtime, app.state.remotes, fake


@pytest.fixture
def fake(zendesk_service: Service) -> FakeZendesk:
    fake = zendesk_service[3]
    fake.expires_in, fake.refresh_calls, fake.creates, fake.create_requests, fake.api_requests = 3600, 0, 0, 0, 0
    fake.used_refresh_tokens.clear()
    fake.tickets.clear()
    fake.idempotency.clear()
    fake.throttle.clear()
    fake.quota, fake.revoke_status = None, None
    return fake


async def connect(svc: Service, event_log: EventLog) -> tuple[str, str]:
    """Provision a tenant and connect its Zendesk account through the whole browser dance (PKCE)."""
    client, runtime, _, _ = svc
    tenant = await provision_tenant(event_log, runtime)
    started = await client.post(
        "/v1/integrations/zendesk/connect", json={"params": {"subdomain": SUBDOMAIN}}, headers=auth(tenant.api_key)
    )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/{SUBDOMAIN}/oauth/authorizations/new"
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tickets:read tickets:write"]
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(url)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    done = await client.get(back.path, params=parse_qs(back.query))
    assert done.status_code == 200, done.text
    return tenant.tenant_id, tenant.api_key


async def test_the_fake_checks_the_pkce_verifier(zendesk_service: Service, fake: FakeZendesk) -> None:
    verifier = "v" * 64
    async with httpx2.AsyncClient() as browser:
        consent = await browser.get(
            f"{fake.base_url}/{SUBDOMAIN}/oauth/authorizations/new",
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT,
                "state": "s" * 20,
                "code_challenge": "not-the-challenge-of-the-verifier",
                "code_challenge_method": "S256",
            },
        )
        code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
        refused = await browser.post(
            f"{fake.base_url}/{SUBDOMAIN}/oauth/tokens",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
        )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


async def test_tickets_are_created_updated_and_read_and_a_create_runs_once(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    request = tool_call(
        tenant_id,
        "zendesk_create_ticket",
        {"subject": "Parcel lost", "body": "Order #1001 never arrived.", "requester_email": "ada@example.com"},
    )
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    async with runtime.unit_of_work() as uow:
        assert not await service.execute(uow, request, remotes)  # redelivery: nothing done
    (created,) = await outcomes_of(runtime, request)
    assert isinstance(created, ToolCompleted), created
    assert fake.creates == 1
    ticket_id = created.result["id"]
    assert fake.tickets[ticket_id]["subject"] == "Parcel lost"

    updated = await run_tool(
        zendesk_service,
        tenant_id,
        "zendesk_update_ticket",
        {"ticket_id": ticket_id, "status": "pending", "comment": "We are checking with the carrier."},
    )
    assert isinstance(updated, ToolCompleted), updated
    assert fake.tickets[ticket_id]["status"] == "pending"
    assert fake.tickets[ticket_id]["comments"][-1] == {"body": "We are checking with the carrier.", "public": False}

    got = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": ticket_id})
    assert isinstance(got, ToolCompleted), got
    assert (got.result["subject"], got.result["status"]) == ("Parcel lost", "pending")
    missing = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 999999})
    assert isinstance(missing, ToolFailed)
    assert missing.kind == "not_found"


async def test_rotated_refresh_tokens_are_stored_before_use(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    fake.expires_in = 120  # due for refresh at once
    tenant_id, _ = await connect(zendesk_service, event_log)
    first_refresh = fake.issued[-1]
    fake.expires_in = 3600
    fake.tickets[7] = {"id": 7, "subject": "Hello", "status": "open", "comments": []}
    got = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 7})
    assert isinstance(got, ToolCompleted), got
    assert fake.refresh_calls == 1
    assert first_refresh not in fake.refresh_tokens  # rotated: the first refresh token is dead at Zendesk
    # Force another refresh: it can only succeed with the rotated refresh token, so that one was stored.
    manifest = builtin_manifests()["zendesk"]
    async with runtime.db.session() as session:
        current = await remotes.oauth.access_token(session, tenant_id, manifest)
        again = await remotes.oauth.access_token(session, tenant_id, manifest, stale=current)
    assert again != current
    assert fake.refresh_calls == 2
    assert fake.used_refresh_tokens == [first_refresh, fake.issued[-3]]
    ok = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 7})
    assert isinstance(ok, ToolCompleted)
    assert fake.refresh_calls == 2


async def test_dry_run_reads_live_and_only_describes_writes(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, _, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    fake.tickets[8] = {"id": 8, "subject": "Refund?", "status": "open", "comments": []}
    async with runtime.unit_of_work() as uow:
        assert await ConnectionRepository(uow.session).set_mode(tenant_id, "zendesk", "dry_run")
    write = await run_tool(zendesk_service, tenant_id, "zendesk_create_ticket", {"subject": "x", "body": "y"})
    assert isinstance(write, ToolCompleted)
    assert write.dry_run
    assert write.result["summary"].startswith("Would call Zendesk")
    assert fake.creates == 0
    update = await run_tool(zendesk_service, tenant_id, "zendesk_update_ticket", {"ticket_id": 8, "status": "solved"})
    assert isinstance(update, ToolCompleted)
    assert fake.tickets[8]["status"] == "open"
    read = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 8})
    assert isinstance(read, ToolCompleted)
    assert read.result["subject"] == "Refund?"


class Crash(Exception):
    """The process dies after the call reached Zendesk, before our commit."""


async def crash_after_the_call(svc: Service, request: RecordedEvent) -> None:
    _, runtime, remotes, _ = svc

    async def execute_then_die() -> None:
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, remotes)
            raise Crash

    with pytest.raises(Crash):
        await execute_then_die()


async def test_a_create_repeated_after_a_crash_is_answered_by_zendesk_replay(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    request = tool_call(tenant_id, "zendesk_create_ticket", {"subject": "Broken kettle", "body": "It sparks."})
    await crash_after_the_call(zendesk_service, request)
    assert (fake.creates, await outcomes_of(runtime, request)) == (1, [])  # made at Zendesk, nothing committed here
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)  # the redelivered request
    (outcome,) = await outcomes_of(runtime, request)
    assert isinstance(outcome, ToolCompleted), outcome
    assert (fake.create_requests, fake.creates, outcome.result["replayed"]) == (2, 1, True)
    (key,) = fake.idempotency
    assert key.startswith("deskpilot-")
    linked = [e for e in await outbox_events(runtime, "external_ticket.updated") if e.causation_id == request.event.id]
    assert [(e.conversation_id, e.payload.external_id, e.payload.change) for e in linked] == [  # type: ignore[union-attr]
        (request.event.conversation_id, str(outcome.result["id"]), "created")
    ]


async def test_an_update_that_may_have_happened_is_not_sent_again(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    fake.tickets[9] = {"id": 9, "subject": "Late", "status": "open", "comments": []}
    request = tool_call(tenant_id, "zendesk_update_ticket", {"ticket_id": 9, "comment": "Sorry for the wait!"})
    await crash_after_the_call(zendesk_service, request)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    (outcome,) = await outcomes_of(runtime, request)
    assert isinstance(outcome, ToolFailed), outcome
    assert outcome.kind == "outcome_unknown"
    assert len(fake.tickets[9]["comments"]) == 1  # one comment at Zendesk, not two
    async with runtime.db.session() as session:
        (entry,) = [
            e
            for e in await AuditRepository(session).entries(tenant_id, AuditQuery(limit=10))
            if e.tool_call_id == request.event.payload.tool_call_id  # type: ignore[union-attr]
        ]
    assert (entry.status, entry.response["error"]) == ("failed", "outcome_unknown")
    # A read is safe to repeat: after the same kind of crash it is simply sent again.
    read = tool_call(tenant_id, "zendesk_get_ticket", {"ticket_id": 9})
    await crash_after_the_call(zendesk_service, read)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, read, remotes)
    (got,) = await outcomes_of(runtime, read)
    assert isinstance(got, ToolCompleted), got


async def test_ticket_webhooks_keep_a_linked_ticket_in_sync(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    client, runtime, _, _ = zendesk_service
    tenant_id, api_key = await connect(zendesk_service, event_log)
    secret = await client.put(
        "/v1/integrations/webhooks/zendesk/secret", json={"secret": SECRET}, headers=auth(api_key)
    )
    assert secret.status_code == 200, secret.text
    path = secret.json()["path"]
    conversation_id = new_id("conv")
    opened = tool_call(tenant_id, "zendesk_create_ticket", {"subject": "Kettle", "body": "Sparks."}, conversation_id)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, opened, zendesk_service[2])
    (created,) = await outcomes_of(runtime, opened)
    assert isinstance(created, ToolCompleted), created
    ticket = str(created.result["id"])
    ours = await run_tool(
        zendesk_service, tenant_id, "zendesk_update_ticket", {"ticket_id": int(ticket), "comment": "Checking now."}
    )
    assert isinstance(ours, ToolCompleted)

    async def deliver(kind: str, ticket_id: str, at: str, detail: dict[str, Any], event: dict[str, Any]) -> None:
        body = {"type": f"zen:event-type:ticket.{kind}", "id": new_id("zd"), "time": at,
                "subject": f"zen:ticket:{ticket_id}", "detail": {"id": ticket_id, **detail},
                "event": event}  # fmt: skip
        raw = json.dumps(body).encode()
        sent = await client.post(path, content=raw, headers=sign_zendesk(raw, "", time.time()))
        assert sent.status_code == 200, sent.text

    def staff(body: str) -> dict[str, Any]:
        author = {"id": "77", "is_staff": True, "name": "Grace at Acme"}
        return {"comment": {"id": new_id("c"), "body": body, "is_public": True, "author": author}}

    solved = {"status": "SOLVED", "priority": "HIGH", "subject": "Kettle", "updated_at": "2026-11-24T13:00:00Z"}
    await deliver("status_changed", ticket, "2026-11-24T13:00:00Z", solved, {"current": "SOLVED", "previous": "NEW"})
    await deliver("comment_added", ticket, "2026-11-24T13:01:00Z", solved, staff("Checking  now."))  # ours: no echo
    customer = {"comment": {"id": "c9", "body": "Thanks", "is_public": True, "author": {"id": "5", "is_staff": False}}}
    await deliver("comment_added", ticket, "2026-11-24T13:01:30Z", solved, customer)  # the customer's own words
    late = {"status": "OPEN", "updated_at": "2026-11-24T12:30:00Z"}
    await deliver("status_changed", ticket, "2026-11-24T12:30:00Z", late, {"current": "OPEN"})  # arrives out of order
    await deliver("created", "4242", "2026-11-24T13:02:00Z", {"status": "NEW", "subject": "Elsewhere"}, {})
    kettle = staff("A new kettle is on its way.")
    await deliver("comment_added", ticket, "2026-11-24T13:03:00Z", solved, kettle)
    await deliver("comment_added", ticket, "2026-11-24T13:03:00Z", solved, kettle)  # a second webhook, same comment
    await deliver("comment_added", ticket, "2026-11-24T13:04:00Z", solved, staff("Anything else?"))

    async def replies() -> list[Envelope]:
        return [e for e in await outbox_events(runtime, "human.replied") if e.conversation_id == conversation_id]

    async def both() -> list[Envelope]:
        return got if len(got := await replies()) >= 2 else []

    reply, last = await eventually(both, what="the Zendesk agent's public replies on the conversation")
    assert isinstance(reply.payload, HumanReplied)
    assert isinstance(last.payload, HumanReplied)
    assert last.payload.text == "Anything else?"  # and the duplicated comment came once
    assert (reply.payload.text, reply.payload.agent_name) == ("A new kettle is on its way.", "Grace at Acme")
    assert (reply.actor.kind, reply.payload.ticket_id) == ("human", f"zendesk:{ticket}")
    updates = [
        e.payload
        for e in await outbox_events(runtime, "external_ticket.updated")
        if e.conversation_id == conversation_id and isinstance(e.payload, ExternalTicketUpdated)
    ]
    assert [(u.change, u.status, u.priority) for u in updates] == [
        ("created", "new", None),
        ("status_changed", "solved", "high"),
        *[("comment_added", "solved", "high")] * 5,  # ours, the customer's, the agent's twice, the last; no OPEN
    ]
    listed = await client.get("/v1/integrations/tickets", headers=auth(api_key))
    assert listed.status_code == 200, listed.text
    synced = {t["external_id"]: t for t in listed.json()["items"]}
    assert (synced[ticket]["status"], synced[ticket]["conversation_id"]) == ("solved", conversation_id)
    assert (synced["4242"]["status"], synced["4242"]["conversation_id"]) == ("new", None)
    one = await client.get(
        "/v1/integrations/tickets", params={"conversation_id": conversation_id}, headers=auth(api_key)
    )
    assert [t["external_id"] for t in one.json()["items"]] == [ticket]

    # The consumer redelivered after its commit (a crash before the ack) repeats nothing.
    (delivery,) = [
        e
        for e in await outbox_events(runtime, "webhook.received")
        if e.tenant_id == tenant_id
        and e.payload.payload.get("type") == "zen:event-type:ticket.status_changed"  # type: ignore[union-attr]
        and e.payload.payload["detail"]["status"] == "SOLVED"  # type: ignore[union-attr]
    ]
    before = len(await outbox_events(runtime))
    async with runtime.unit_of_work() as uow:
        await zendesk_sync.sync_from_webhook(uow, RecordedEvent(1, delivery))
    assert len(await outbox_events(runtime)) == before


async def test_zendesk_rate_limits_are_waited_out_or_respected(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    tenant_id, _ = await connect(zendesk_service, event_log)
    fake.tickets[11] = {"id": 11, "subject": "Slow", "status": "open", "comments": []}
    fake.throttle = ["1"]  # a read told to wait 1 s waits once in line, then gets its answer
    read = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 11})
    assert isinstance(read, ToolCompleted), read
    assert fake.api_requests == 2

    fake.throttle = ["30"]  # a write is never sent twice; a long wait is not waited for
    write = await run_tool(zendesk_service, tenant_id, "zendesk_update_ticket", {"ticket_id": 11, "status": "pending"})
    assert isinstance(write, ToolFailed)
    assert (write.kind, "30 s" in write.message) == ("transient", True)
    blocked = await run_tool(zendesk_service, tenant_id, "zendesk_get_ticket", {"ticket_id": 11})
    assert isinstance(blocked, ToolFailed)
    assert (blocked.kind, "nothing was sent" in blocked.message) == ("transient", True)
    assert fake.api_requests == 3  # the blocked call never reached Zendesk

    other_tenant, _ = await connect(zendesk_service, event_log)  # the limit is per connection
    fake.quota = (0, 60)  # a successful answer that says the window's budget is spent
    last = await run_tool(zendesk_service, other_tenant, "zendesk_get_ticket", {"ticket_id": 11})
    assert isinstance(last, ToolCompleted)
    after = await run_tool(zendesk_service, other_tenant, "zendesk_get_ticket", {"ticket_id": 11})
    assert isinstance(after, ToolFailed)
    assert after.kind == "transient"
    assert fake.api_requests == 4


async def test_disconnecting_revokes_access_at_zendesk_or_says_it_could_not(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    client, runtime, _, _ = zendesk_service
    _, api_key = await connect(zendesk_service, event_log)
    token = fake.issued[-2]  # the access token the connection holds
    gone = await client.delete("/v1/integrations/zendesk", headers=auth(api_key))
    assert gone.status_code == 204, gone.text
    assert fake.revoked == [token]
    assert token not in fake.access_tokens  # Zendesk no longer accepts it
    listing = (await client.get("/v1/integrations", headers=auth(api_key))).json()["items"]
    (zd,) = [i for i in listing if i["name"] == "zendesk"]
    assert (zd["status"], zd["status_reason"]) == ("disconnected", "disconnected by the tenant")

    other_tenant, other_key = await connect(zendesk_service, event_log)
    fake.revoke_status = 503  # Zendesk is down: we still disconnect, and say what is left to do
    assert (await client.delete("/v1/integrations/zendesk", headers=auth(other_key))).status_code == 204
    listing = (await client.get("/v1/integrations", headers=auth(other_key))).json()["items"]
    (zd,) = [i for i in listing if i["name"] == "zendesk"]
    assert zd["status"] == "disconnected"
    assert "Zendesk answered 503 when asked to revoke access" in zd["status_reason"]
    assert "by hand" in zd["status_reason"]
    async with runtime.db.session() as session:  # forgotten here either way
        assert await VaultRepository(session).secret(other_tenant, "oauth:zendesk:tokens") is None


async def test_the_customers_later_messages_reach_the_linked_zendesk_ticket(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    tenant_id, _ = await connect(zendesk_service, event_log)
    conversation_id = new_id("conv")
    opened = tool_call(tenant_id, "zendesk_create_ticket", {"subject": "Gift card", "body": "Lost."}, conversation_id)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, opened, remotes)
    (created,) = await outcomes_of(runtime, opened)
    assert isinstance(created, ToolCompleted), created
    ticket = fake.tickets[created.result["id"]]
    said = MessageReceived(message_id=new_id("msg"), text="The code was 1234-ABCD.", channel="web")
    envelope = Envelope.new(
        said, tenant_id=tenant_id, conversation_id=conversation_id, actor=Actor(kind="customer", id="c")
    )
    (position,) = await event_log.append(tenant_id, conversation_id, [envelope], None)

    async def noted() -> list[dict[str, Any]]:
        return [c for c in ticket["comments"] if "1234-ABCD" in c["body"]]

    (note,) = await eventually(noted, what="the customer's message as a note on the Zendesk ticket")
    assert note == {"body": "Customer wrote (web):\n\nThe code was 1234-ABCD.", "public": False}
    # the same event delivered again
    await zendesk_sync.mirror_customer_message(
        runtime.unit_of_work, runtime.db.reader, RecordedEvent(position, envelope), remotes.oauth
    )
    assert len(await noted()) == 1

    async with runtime.unit_of_work() as uow:  # solved at Zendesk: later messages stay here
        await ExternalTicketRepository(uow.session).sync(
            tenant_id, "zendesk", str(created.result["id"]), TicketState(status="solved"), occurred_at=datetime.now(UTC)
        )
    later = Envelope.new(
        MessageReceived(message_id=new_id("msg"), text="Any news?"), tenant_id=tenant_id,
        conversation_id=conversation_id, actor=Actor(kind="customer", id="c"),
    )  # fmt: skip
    await zendesk_sync.mirror_customer_message(
        runtime.unit_of_work, runtime.db.reader, RecordedEvent(position + 1, later), remotes.oauth
    )
    assert not [c for c in ticket["comments"] if "Any news?" in c["body"]]


async def test_a_ticket_recorded_from_a_webhook_first_is_still_linked_to_its_conversation(
    zendesk_service: Service, event_log: EventLog
) -> None:
    runtime = zendesk_service[1]
    tenant_id, _ = await connect(zendesk_service, event_log)
    conversation_id = new_id("conv")
    later, earlier = datetime(2026, 11, 24, 13, 0, 0, 500000, UTC), datetime(2026, 11, 24, 13, 0, 0, tzinfo=UTC)
    async with runtime.unit_of_work() as uow:  # Zendesk's ticket.created webhook is synced before the tool commits
        repo = ExternalTicketRepository(uow.session)
        await repo.sync(tenant_id, "zendesk", "555", TicketState(status="new"), occurred_at=later)
    async with runtime.unit_of_work() as uow:  # then the tool links it, with the create's (older) updated_at
        repo = ExternalTicketRepository(uow.session)
        row, applied = await repo.sync(
            tenant_id,
            "zendesk",
            "555",
            TicketState(status="open"),
            occurred_at=earlier,
            conversation_id=conversation_id,
        )
    assert (row.conversation_id, row.status, applied) == (conversation_id, "new", False)


async def test_testing_the_connection_reads_the_tokens_user(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, api_key = await connect(zendesk_service, event_log)
    tested = (await zendesk_service[0].post("/v1/integrations/zendesk/test", headers=auth(api_key))).json()
    assert (tested["ok"], tested["outcome"]) == (True, "ok"), tested


def customer_says(tenant_id: str, conversation_id: str, text: str, position: int = 1) -> RecordedEvent:
    said = MessageReceived(message_id=new_id("msg"), text=text, channel="web")
    envelope = Envelope.new(
        said, tenant_id=tenant_id, conversation_id=conversation_id, actor=Actor(kind="customer", id="c")
    )
    return RecordedEvent(position, envelope)


def a_mirror(svc: Service) -> Subscription:
    """The helpdesk mirror as another replica of the service has it: its own knowledge of who has Zendesk."""
    _, runtime, remotes, _ = svc
    return next(s for s in handlers.subscriptions(runtime, remotes) if s.name == "helpdesk-mirror")


async def test_the_messages_of_a_tenant_without_zendesk_cost_the_mirror_no_statement(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    runtime = zendesk_service[1]
    without = (await provision_tenant(event_log, runtime)).tenant_id
    with_zendesk, _ = await connect(zendesk_service, event_log)
    for mirror in (next(s for s in runtime.subscriptions if s.name == "helpdesk-mirror"), a_mirror(zendesk_service)):
        assert mirror.on_start is not None
        assert mirror.batch_handler is not None
        await mirror.on_start()  # (again, for the service's own: as when a replica takes the consumer over)
        said = [customer_says(without, new_id("conv"), "Hello?", p) for p in (1, 2)]
        with database_work(runtime) as seen:
            await mirror.batch_handler(said)
            await mirror.handler(said[0])
        assert seen == []
        # a tenant with Zendesk: one read for a batch finds its conversation has no linked ticket, and that is all
        with database_work(runtime) as seen:
            await mirror.batch_handler([*said, customer_says(with_zendesk, new_id("conv"), "Hi", 3)])
        (read,) = [s for s in seen if s != "BEGIN"]  # (the reader's "begin" is autocommit's: nothing sent)
        assert "integrations.external_tickets" in read


async def test_a_replica_learns_of_a_zendesk_connection_from_its_catalog_or_at_its_start(
    zendesk_service: Service, fake: FakeZendesk, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = zendesk_service
    running_before = a_mirror(zendesk_service)  # a replica consuming since before the tenant connected
    assert running_before.on_start is not None
    assert running_before.batch_handler is not None
    await running_before.on_start()
    tenant_id, _ = await connect(zendesk_service, event_log)  # through this replica's HTTP API, not that one's
    conversation_id = new_id("conv")
    opened = tool_call(tenant_id, "zendesk_create_ticket", {"subject": "Toaster", "body": "Smoke."}, conversation_id)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, opened, remotes)
    (created,) = await outcomes_of(runtime, opened)
    assert isinstance(created, ToolCompleted), created
    ticket = fake.tickets[created.result["id"]]
    (catalog,) = [e for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id][-1:]
    assert any(tool.integration == "zendesk" for tool in cast(ToolsPublished, catalog.payload).tools)

    with database_work(runtime) as seen:  # that replica does not know yet: a message before the catalog costs nothing
        await running_before.handler(customer_says(tenant_id, new_id("conv"), "Before the catalog."))
    assert seen == []
    # The catalog comes before any message that can have a linked ticket, in the log that replica reads.
    await running_before.batch_handler(
        [RecordedEvent(1, catalog), customer_says(tenant_id, conversation_id, "It's a T-800.", 2)]
    )
    # A replica that takes the consumer over after the catalog went by reads who has Zendesk as it starts.
    taking_over = a_mirror(zendesk_service)
    assert taking_over.on_start is not None
    await taking_over.on_start()
    await taking_over.handler(customer_says(tenant_id, conversation_id, "Model 2.", 3))
    assert [c["body"].split("\n\n")[-1] for c in ticket["comments"][1:]] == ["It's a T-800.", "Model 2."]
