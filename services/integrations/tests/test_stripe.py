"""Stripe through an API key against a local fake Stripe over real HTTP: the key is stored only encrypted, a refund
happens once however often the tool call is delivered or retried, dry run sends nothing, and errors are typed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from nats.aio.client import Client as NATS
from sqlalchemy import text

from libs.events import (
    EventLog,
    IntegrationRevoked,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolsPublished,
    new_id,
)
from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall, sandbox_tools_subject
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.repository import DemoStoreRepository
from services.integrations.tests.fake_stripe import FakeStripe, Injected
from services.integrations.tests.support import auth, outcome_of, run_tool, tool_call
from services.integrations.vault import new_master_key
from tests.support import outbox_events, provision_tenant, running, serving

Service = tuple[httpx2.AsyncClient, ServiceRuntime, service.Remotes, FakeStripe]


@pytest.fixture(scope="module")
async def stripe_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    async with serving(FakeStripe()) as fake:
        settings = IntegrationsSettings.model_validate(
            {
                "NATS_URL": nats_url,
                "DATABASE_URL": database_url,
                "DESKPILOT_VAULT_MASTER_KEYS": f"t1:{new_master_key()}",
                "DESKPILOT_MCP_ALLOW_PRIVATE": "true",  # the fake is on 127.0.0.1
            }
        )
        app = create_app(settings)
        async with running(app) as (client, runtime):
            yield client, runtime, app.state.remotes, fake


@pytest.fixture
def fake(stripe_service: Service) -> FakeStripe:
    fake = stripe_service[3]
    fake.inject.clear()
    return fake


async def connect(svc: Service, event_log: EventLog) -> tuple[str, str, str]:
    """Provision a tenant and connect Stripe with a fresh restricted key; returns (tenant id, api key, stripe key)."""
    client, runtime, _, fake = svc
    tenant = await provision_tenant(event_log, runtime)
    key = f"rk_test_{new_id('k').replace('_', '')}"
    fake.keys.add(key)
    done = await client.post(
        "/v1/integrations/stripe/connect",
        json={"api_key": key, "params": {"api_base_url": fake.base_url}, "user_id": "admin@acme.test"},
        headers=auth(tenant.api_key),
    )
    assert done.status_code == 200, done.text
    assert done.json()["connected"] is True
    return tenant.tenant_id, tenant.api_key, key


async def stripe_info(svc: Service, api_key: str) -> dict[str, Any]:
    response = await svc[0].get("/v1/integrations", headers=auth(api_key))
    (stripe,) = [i for i in response.json()["items"] if i["name"] == "stripe"]
    return dict(stripe)


class Crash(Exception):
    """Stands in for the process dying after the Stripe call but before the commit."""


async def test_connecting_with_an_api_key_stores_it_only_encrypted(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    client, runtime, _, _ = stripe_service
    tenant_id, api_key, key = await connect(stripe_service, event_log)
    info = await stripe_info(stripe_service, api_key)
    assert (info["connected"], info["status"], info["mode"], info["auth"]) == (True, "active", "live", "api_key")
    published = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id]
    assert isinstance(published[-1], ToolsPublished)
    assert {t.name for t in published[-1].tools} >= {"refund_payment", "get_payment"}

    async with runtime.db.session() as session:
        dump = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(t::text, ' '), '') FROM integrations.vault_secrets t "
                    "WHERE tenant_id = :t"
                ),
                {"t": tenant_id},
            )
        ).scalar_one()
        connection = (
            await session.execute(
                text("SELECT t::text FROM integrations.connections t WHERE tenant_id = :t AND integration = 'stripe'"),
                {"t": tenant_id},
            )
        ).scalar_one()
    assert "api_key:stripe" in dump
    assert key not in dump
    assert key not in connection

    bad = await client.post(
        "/v1/integrations/stripe/connect", json={"api_key": "pk_test_publishable123"}, headers=auth(api_key)
    )
    assert bad.status_code == 422
    assert "restricted key" in bad.text
    assert "pk_test_publishable123" not in bad.text


async def test_a_refund_happens_once_across_our_retry_and_redelivery(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    _, runtime, remotes, _ = stripe_service
    tenant_id, _, _ = await connect(stripe_service, event_log)
    pi = fake.add_payment(5000)
    request = tool_call(tenant_id, "refund_payment", {"payment_intent": pi, "amount": 1200, "reason": "duplicate"})
    assert isinstance(request.event.payload, ToolRequested)
    # Stripe makes the refund but the reply is lost (a 503 that says retry): our client retries with the same key.
    fake.inject.append(
        Injected(503, "api_error", "upstream timeout", headers={"Stripe-Should-Retry": "true"}, after_processing=True)
    )
    # ... and then the process dies before committing, so the tool request is delivered again.

    async def crash_before_commit() -> None:
        async with runtime.unit_of_work() as uow:
            assert await service.execute(uow, request, remotes)
            raise Crash

    with pytest.raises(Crash):
        await crash_before_commit()
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    async with runtime.unit_of_work() as uow:
        assert not await service.execute(uow, request, remotes)  # a redelivery after the commit does nothing

    sent = [r for r in fake.requests if r["form"].get("payment_intent") == pi]
    assert len(sent) == 3  # the first try, our retry, the redelivered call; never a fourth
    (key,) = {r["headers"]["idempotency-key"] for r in sent}  # one key for every send of this call
    assert key.startswith("deskpilot-")
    assert request.event.payload.tool_call_id not in key
    assert all(r["headers"]["content-type"] == "application/x-www-form-urlencoded" for r in sent)
    assert sent[0]["form"] == {
        "payment_intent": pi,
        "amount": "1200",
        "reason": "duplicate",
        "metadata[deskpilot_tool_call_id]": request.event.payload.tool_call_id,
    }
    assert [r["amount"] for r in fake.refunds if r["payment_intent"] == pi] == [1200]
    assert fake.payment_intents[pi]["latest_charge"]["amount_refunded"] == 1200
    outcome = await outcome_of(runtime, request)
    assert isinstance(outcome, ToolCompleted), outcome
    assert (outcome.result["amount"], outcome.result["status"], outcome.result["replayed"]) == (1200, "succeeded", True)


async def test_a_write_is_not_retried_when_stripe_says_not_to(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    tenant_id, _, _ = await connect(stripe_service, event_log)
    pi = fake.add_payment(900)
    fake.inject.append(Injected(429, "rate_limit_error", "Too many requests", headers={"Retry-After": "30"}))
    failed = await run_tool(stripe_service, tenant_id, "refund_payment", {"payment_intent": pi})
    assert isinstance(failed, ToolFailed), failed
    assert failed.kind == "transient"
    assert "429" in failed.message
    assert "retry after 30s" in failed.message
    assert len([r for r in fake.requests if r["form"].get("payment_intent") == pi]) == 1
    assert not [r for r in fake.refunds if r["payment_intent"] == pi]


async def test_a_write_is_retried_with_the_same_key_when_stripe_says_so(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    tenant_id, _, _ = await connect(stripe_service, event_log)
    pi = fake.add_payment(900)
    # Stripe's answer while a request with the same key is still in flight: 409, safe to retry.
    fake.inject.append(
        Injected(409, "idempotency_error", "There is currently another in-progress request using this Stripe "
                 "token", headers={"Stripe-Should-Retry": "true"})
    )  # fmt: skip
    done = await run_tool(stripe_service, tenant_id, "refund_payment", {"payment_intent": pi, "amount": 300})
    assert isinstance(done, ToolCompleted), done
    sent = [r for r in fake.requests if r["form"].get("payment_intent") == pi]
    assert len(sent) == 2
    assert sent[0]["headers"]["idempotency-key"] == sent[1]["headers"]["idempotency-key"]
    assert [r["amount"] for r in fake.refunds if r["payment_intent"] == pi] == [300]
    got = await run_tool(stripe_service, tenant_id, "get_payment", {"payment_intent": pi})
    assert isinstance(got, ToolCompleted), got
    assert got.result["amount_refunded"] == 300


async def test_dry_run_sends_no_write_but_reads_live_and_audits_the_request(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    client, _, _, _ = stripe_service
    tenant_id, api_key, key = await connect(stripe_service, event_log)
    changed = await client.put("/v1/integrations/stripe/mode", json={"mode": "dry_run"}, headers=auth(api_key))
    assert changed.status_code == 200, changed.text
    pi = fake.add_payment(2500, "usd")
    before = len(fake.requests)
    would = await run_tool(stripe_service, tenant_id, "refund_payment", {"payment_intent": pi, "amount": 500})
    assert isinstance(would, ToolCompleted), would
    assert would.dry_run
    assert len(fake.requests) == before  # nothing reached Stripe
    assert would.result["request"]["method"] == "POST"
    assert would.result["request"]["form"]["amount"] == "500"

    got = await run_tool(stripe_service, tenant_id, "get_payment", {"payment_intent": pi})
    assert isinstance(got, ToolCompleted), got
    assert (got.result["amount"], got.result["currency"], got.result["amount_refunded"]) == (2500, "usd", 0)
    assert fake.requests[-1]["headers"]["authorization"] == f"Bearer {key}"

    audit = await client.get("/v1/integrations/audit", headers=auth(api_key))
    entries = [e for e in audit.json()["items"] if e["tool"] == "refund_payment"]
    (entry,) = entries
    assert entry["dry_run"] is True
    assert entry["integration"] == "stripe"
    assert entry["response"]["request"]["path"] == "/v1/refunds"
    assert entry["response"]["request"]["form"] == {
        "payment_intent": pi,
        "amount": "500",
        "metadata[deskpilot_tool_call_id]": would.tool_call_id,
    }
    assert key not in json.dumps(audit.json())


async def test_a_card_error_is_a_permanent_failure_with_stripes_message(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    tenant_id, _, _ = await connect(stripe_service, event_log)
    pi = fake.add_payment(700)
    fake.inject.append(Injected(402, "card_error", "Your card has expired.", code="expired_card"))
    failed = await run_tool(stripe_service, tenant_id, "refund_payment", {"payment_intent": pi})
    assert isinstance(failed, ToolFailed), failed
    assert failed.kind == "permanent"
    assert "Your card has expired." in failed.message
    too_much = await run_tool(stripe_service, tenant_id, "refund_payment", {"payment_intent": pi, "amount": 800})
    assert isinstance(too_much, ToolFailed)
    assert too_much.kind == "permanent"
    assert "greater than unrefunded amount" in too_much.message


async def test_a_rejected_key_revokes_the_connection(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    _, runtime, _, _ = stripe_service
    tenant_id, api_key, key = await connect(stripe_service, event_log)
    fake.keys.discard(key)  # rolled in the Stripe dashboard
    pi = fake.add_payment(100)
    failed = await run_tool(stripe_service, tenant_id, "get_payment", {"payment_intent": pi})
    assert isinstance(failed, ToolFailed), failed
    assert failed.kind == "unauthorized"
    assert key not in failed.message
    (revoked,) = [e.payload for e in await outbox_events(runtime, "integration.revoked") if e.tenant_id == tenant_id]
    assert isinstance(revoked, IntegrationRevoked)
    assert revoked.integration == "stripe"
    info = await stripe_info(stripe_service, api_key)
    assert (info["connected"], info["status"]) == (False, "revoked")
    published = [e.payload for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant_id]
    assert isinstance(published[-1], ToolsPublished)
    assert not {t.name for t in published[-1].tools} & {"refund_payment", "get_payment"}
    again = await run_tool(stripe_service, tenant_id, "get_payment", {"payment_intent": pi})
    assert isinstance(again, ToolFailed)
    assert again.kind == "unknown_tool"


async def test_sandbox_calls_read_for_real_and_never_write(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog, nc: NATS
) -> None:
    _, runtime, _, _ = stripe_service
    tenant_id, _, _ = await connect(stripe_service, event_log)
    pi = fake.add_payment(5000)
    before = len(fake.requests)

    async def ask(tool: str, arguments: dict[str, Any]) -> SandboxToolAnswer:
        call = SandboxToolCall(tenant_id=tenant_id, conversation_id="conv_sandbox", tool=tool, arguments=arguments)
        # asked as the agent's replay asks (not on the service's own connection, which may not ask itself)
        reply = await nc.request(sandbox_tools_subject("integrations"), call.model_dump_json().encode(), 10)
        return SandboxToolAnswer.model_validate_json(reply.data)

    refund = await ask("refund_payment", {"payment_intent": pi, "amount": 1200})
    assert (refund.status, refund.dry_run, refund.result["would_call"]) == ("completed", True, "refund_payment")
    demo_refund = await ask("refund_order", {"order_number": "1001", "amount": 10})
    assert demo_refund.result["summary"].startswith("Would refund 10 USD")
    read = await ask("get_payment", {"payment_intent": pi})
    assert read.status == "completed", read
    assert [r["method"] for r in fake.requests[before:]] == ["GET"]  # the read went out; no write did
    assert [r for r in fake.refunds if r["payment_intent"] == pi] == []
    too_much = await ask("refund_order", {"order_number": "1001", "amount": 100000})
    assert (too_much.status, too_much.kind) == ("failed", "permanent")
    async with runtime.db.session() as session:
        order = await DemoStoreRepository(session).order(tenant_id, "1001")
        audited = await session.execute(
            text("SELECT count(*) FROM integrations.audit_log WHERE tenant_id = :t"), {"t": tenant_id}
        )
    assert order is not None
    assert order.refunded == 0
    assert audited.scalar_one() == 0


async def test_testing_the_connection_reads_the_balance_with_the_stored_key(
    stripe_service: Service, fake: FakeStripe, event_log: EventLog
) -> None:
    client = stripe_service[0]
    _, api_key, key = await connect(stripe_service, event_log)
    tested = await client.post("/v1/integrations/stripe/test", headers=auth(api_key))
    assert tested.status_code == 200, tested.text
    assert (tested.json()["ok"], tested.json()["outcome"]) == (True, "ok")
    assert "test mode" in tested.json()["detail"]
    fake.keys.discard(key)  # the key was rolled at Stripe
    tested = await client.post("/v1/integrations/stripe/test", headers=auth(api_key))
    assert (tested.json()["ok"], tested.json()["outcome"]) == (False, "unauthorized")
    assert key not in tested.text
