"""Retries that never duplicate: ``Idempotency-Key`` on every authenticated POST (per tenant, 24 h) and the
channel's ``client_message_id`` on the message POST."""

from __future__ import annotations

import httpx2

from libs.events import EventLog
from tests.contract.conftest import Service
from tests.support import provision_tenant


async def _messages(event_log: EventLog, tenant_id: str, conv: str) -> list[str]:
    return [r.event.type for r in await event_log.read(tenant_id, conv) if r.event.type == "message.received"]


async def test_an_idempotency_key_retry_returns_the_same_answer_and_appends_once(
    conversation: Service, event_log: EventLog
) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    first = await client.post("/v1/conversations/", headers={**auth, "Idempotency-Key": "open-1"})
    again = await client.post("/v1/conversations/", headers={**auth, "Idempotency-Key": "open-1"})
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    conv = first.json()["id"]

    url, key = f"/v1/conversations/{conv}/messages", {**auth, "Idempotency-Key": "msg-1"}
    sent = await client.post(url, headers=key, json={"text": "where is my order?"})
    retried = await client.post(url, headers=key, json={"text": "where is my order?"})
    assert (sent.status_code, retried.status_code) == (202, 202)
    assert retried.json() == sent.json()
    assert await _messages(event_log, tenant.tenant_id, conv) == ["message.received"]

    other_body = await client.post(url, headers=key, json={"text": "something else"})
    assert (other_body.status_code, other_body.json()["code"]) == (422, "idempotency_key_reused")
    assert await _messages(event_log, tenant.tenant_id, conv) == ["message.received"]

    # keys are per tenant: another tenant's same key is its own
    other = await provision_tenant(event_log, runtime)
    theirs = await client.post(
        "/v1/conversations/", headers={"Authorization": f"Bearer {other.api_key}", "Idempotency-Key": "open-1"}
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != conv
    assert "idempotent-replayed" not in theirs.headers


async def test_a_bad_idempotency_key_is_refused(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    r = await client.post(
        "/v1/conversations/", headers={"Authorization": f"Bearer {tenant.api_key}", "Idempotency-Key": "x" * 201}
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_request")


async def test_the_channels_message_id_deduplicates(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    conv = (await client.post("/v1/conversations/", headers=auth)).json()["id"]
    url = f"/v1/conversations/{conv}/messages"
    body = {"text": "hello?", "client_message_id": "wa-123"}
    first = await client.post(url, headers=auth, json=body)
    # the chat channel retried after a timeout, with no Idempotency-Key
    retried = await client.post(url, headers=auth, json=body)
    assert (first.status_code, retried.status_code) == (202, 202)
    assert retried.json()["message_id"] == first.json()["message_id"]
    assert await _messages(event_log, tenant.tenant_id, conv) == ["message.received"]
    another = await client.post(url, headers=auth, json={"text": "hello?", "client_message_id": "wa-124"})
    assert another.json()["message_id"] != first.json()["message_id"]
    assert len(await _messages(event_log, tenant.tenant_id, conv)) == 2


async def test_an_unauthenticated_post_is_401_whatever_its_key(conversation: Service) -> None:
    client, _ = conversation
    r = await client.post("/v1/conversations/", headers={"Idempotency-Key": "k"})
    assert r.status_code == 401
    assert isinstance(r, httpx2.Response)
