"""Incoming webhooks: each provider's signature scheme over the raw bytes, fail closed, dedupe, typed events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx2
import pytest

from libs.events import EventLog, WebhookReceived
from libs.platform.runtime import ServiceRuntime
from services.integrations.app import create_app
from services.integrations.config import IntegrationsSettings
from services.integrations.vault import new_master_key
from tests.support import outbox_events, provision_tenant, running, write_scopes

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
SECRET = "whsec_test_0123456789abcdef"
Signer = Callable[[bytes, str, float], dict[str, str]]


@pytest.fixture(scope="module")
async def webhook_service(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = IntegrationsSettings.model_validate(
        {"NATS_URL": nats_url, "DATABASE_URL": database_url, "DESKPILOT_VAULT_MASTER_KEYS": f"w1:{new_master_key()}"}
    )
    async with running(create_app(settings)) as svc:
        yield svc


def _b64(key: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()


# How each provider signs a delivery (from their documentation), independent of the code under test.
def shopify(raw: bytes, _url: str, _now: float) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": _b64(SECRET, raw), "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": hashlib.md5(raw).hexdigest()}  # noqa: S324  # fmt: skip


def stripe(raw: bytes, _url: str, now: float) -> dict[str, str]:
    t = str(int(now))
    v1 = hmac.new(SECRET.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={v1},v0=ignored"}


def zendesk(raw: bytes, _url: str, now: float) -> dict[str, str]:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"X-Zendesk-Webhook-Signature": _b64(SECRET, stamp.encode() + raw),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Invocation-Id": hashlib.sha1(raw).hexdigest()}  # noqa: S324  # fmt: skip


def hubspot(raw: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now * 1000))
    return {"X-HubSpot-Signature-v3": _b64(SECRET, b"POST" + url.encode() + raw + stamp.encode()),
            "X-HubSpot-Request-Timestamp": stamp}  # fmt: skip


BODIES = {
    "shopify": {"id": 820982911946154508, "email": "jon@example.com", "total_price": "20.00"},
    "stripe": {"id": "evt_1Nabc", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}},
    "zendesk": {"type": "zen:event-type:ticket.created", "detail": {"id": "35436"}},
    "hubspot": [{"eventId": 1, "subscriptionType": "contact.propertyChange", "objectId": 123}],
}
SIGNERS: dict[str, Signer] = {"shopify": shopify, "stripe": stripe, "zendesk": zendesk, "hubspot": hubspot}
TOPICS = {"shopify": "orders/create", "stripe": "charge.refunded", "zendesk": "zen:event-type:ticket.created",
          "hubspot": "contact.propertyChange"}  # fmt: skip


async def setup(svc: Service, event_log: EventLog, provider: str) -> tuple[str, str]:
    client, runtime = svc
    tenant = await provision_tenant(event_log, runtime)
    response = await client.put(
        f"/v1/integrations/webhooks/{provider}/secret",
        json={"secret": SECRET},
        headers={"Authorization": f"Bearer {tenant.api_key}"},
    )
    assert response.status_code == 200, response.text
    assert SECRET not in response.text
    return tenant.tenant_id, response.json()["path"]


async def received(runtime: ServiceRuntime, tenant_id: str) -> list[WebhookReceived]:
    events = [e.payload for e in await outbox_events(runtime, "webhook.received") if e.tenant_id == tenant_id]
    return [e for e in events if isinstance(e, WebhookReceived)]


@pytest.mark.parametrize("provider", ["shopify", "stripe", "zendesk", "hubspot"])
async def test_a_signed_delivery_becomes_one_typed_event(
    webhook_service: Service, event_log: EventLog, provider: str
) -> None:
    client, runtime = webhook_service
    tenant_id, path = await setup(webhook_service, event_log, provider)
    raw = json.dumps(BODIES[provider]).encode()
    url = f"http://service{path}"
    first = await client.post(path, content=raw, headers=SIGNERS[provider](raw, url, time.time()))
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": True, "duplicate": False}
    again = await client.post(path, content=raw, headers=SIGNERS[provider](raw, url, time.time()))
    assert again.json() == {"accepted": True, "duplicate": True}
    (event,) = await received(runtime, tenant_id)
    assert (event.provider, event.topic) == (provider, TOPICS[provider])

    tampered = raw + b" "
    forged = await client.post(path, content=tampered, headers=SIGNERS[provider](raw, url, time.time()))
    assert forged.status_code == 401
    unsigned = await client.post(path, content=raw)
    assert unsigned.status_code == 401
    if provider != "shopify":  # Shopify signs no timestamp
        stale = await client.post(path, content=raw, headers=SIGNERS[provider](raw, url, time.time() - 301))
        assert stale.status_code == 401
    assert len(await received(runtime, tenant_id)) == 1


async def test_deliveries_fail_closed_without_a_secret_or_for_another_tenant(
    webhook_service: Service, event_log: EventLog, database_url: str
) -> None:
    client, runtime = webhook_service
    tenant_id, path = await setup(webhook_service, event_log, "stripe")
    other = await provision_tenant(event_log, runtime)
    raw = json.dumps(BODIES["stripe"]).encode()
    headers = stripe(raw, "", time.time())
    no_secret = await client.post(f"/v1/integrations/webhooks/stripe/{other.tenant_id}", content=raw, headers=headers)
    assert no_secret.status_code == 401
    wrong_provider = await client.post(f"/v1/integrations/webhooks/shopify/{tenant_id}", content=raw, headers=headers)
    assert wrong_provider.status_code == 401
    # recorded in the path's tenant's row-level security scope, not ``*`` (PostgreSQL records the insert's scope)
    async with write_scopes(database_url, "integrations.webhook_deliveries") as seen:
        assert (await client.post(path, content=raw, headers=headers)).status_code == 200
        assert [s for s in await seen() if s[0] == tenant_id] == [(tenant_id, tenant_id)]
    assert await received(runtime, other.tenant_id) == []


async def test_only_integrations_that_declare_a_webhook_scheme_take_webhooks(
    webhook_service: Service, event_log: EventLog
) -> None:
    client, runtime = webhook_service
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    for name in ("demo_store", "acme"):  # an integration without webhooks, and no integration at all
        refused = await client.put(f"/v1/integrations/webhooks/{name}/secret", json={"secret": SECRET}, headers=auth)
        assert refused.status_code == 404, refused.text
        assert refused.json()["detail"] == "webhooks are accepted for hubspot, shopify, stripe, zendesk"
