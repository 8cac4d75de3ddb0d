"""The operator API: only the operator's key passes (no tenant's key does), and its dead letters are the CLI's — the
same letters, re-driven by the owning service in log order, each applied once."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS

from libs.events import EventLog, RecordedEvent, new_id
from libs.platform.consumers import Consumers, Subscription
from libs.platform.dead_letters import RedriveServer, dead_letters
from libs.platform.problems import PROBLEM_JSON
from tests.contract.conftest import OPERATOR_KEY, Service
from tests.libs.test_event_log import message
from tests.support import provision_tenant

OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}
LETTERS = "/v1/operator/dead-letters"


async def test_only_the_operator_key_opens_the_operator_api(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    for headers in [
        {},
        {"Authorization": f"Bearer {tenant.api_key}"},
        {"Authorization": f"Bearer {OPERATOR_KEY}x"},
        {"Authorization": f"Bearer {OPERATOR_KEY[:-1]}"},
        {"Authorization": f"Basic {OPERATOR_KEY}"},
    ]:
        for r in [
            await client.get(LETTERS, headers=headers),
            await client.get(f"{LETTERS}?consumer=NOT%20A%20NAME", headers=headers),  # 401 before 422
            await client.post(f"{LETTERS}/redrive", headers=headers, json={"consumer": 7}),
        ]:
            assert (r.status_code, r.headers["content-type"]) == (401, PROBLEM_JSON), r.text
            assert r.headers["www-authenticate"] == "Bearer"
    listed = await client.get(LETTERS, headers=OPERATOR)
    assert listed.status_code == 200, listed.text
    assert listed.json()["count"] == len(listed.json()["dead_letters"])
    for r, status in [
        (await client.get(f"{LETTERS}?consumer=NOT%20A%20NAME", headers=OPERATOR), 422),
        (await client.get(f"{LETTERS}/0", headers=OPERATOR), 422),
        (await client.get(f"{LETTERS}/99999999999", headers=OPERATOR), 404),
        (await client.post(f"{LETTERS}/99999999999/redrive", headers=OPERATOR), 404),
        (await client.post(f"{LETTERS}/redrive", headers=OPERATOR, json={"consumer": "Bad Name"}), 422),
        (await client.post(f"{LETTERS}/redrive", headers=OPERATOR, json={"everything": True}), 422),
    ]:
        assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), r.text


async def test_dead_letters_are_listed_shown_and_redriven_once_over_the_api(
    conversation: Service, event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    client, _ = conversation
    broken, applied = True, []

    async def handle(recorded: RecordedEvent) -> None:
        if broken:
            raise ValueError("a bug in the handler")
        applied.append(recorded.event.id)

    name = new_id("dlq").replace("_", "-")
    consumer, conv = f"test-{name}", new_id("conv")
    first, second = message(tenant_id, conv, "first"), message(tenant_id, conv, "second")
    consumers = Consumers("test", nc, event_log)
    consumers.add(Subscription(name, f"dp.conv.{tenant_id}.{conv}.>", handle, max_attempts=2))
    await consumers.start()
    # Stopped below: a server left answering "test"'s redrive requests on the session's NATS would answer another
    # test's requests for consumers it does not have (tests/libs/test_dead_letters.py failed so).
    server = RedriveServer("test", nc, event_log, lambda: consumers.subscriptions)
    await server.start()
    try:
        await event_log.publish(first)
        await event_log.publish(second)
        for _ in range(300):  # bounded: two events, two attempts each, 0.5 s apart
            if len(await dead_letters(nc, consumer)) == 2:
                break
            await asyncio.sleep(0.05)
        listed = (await client.get(LETTERS, params={"consumer": consumer}, headers=OPERATOR)).json()
        assert [d["event_id"] for d in listed["dead_letters"]] == [first.id, second.id]
        one, two = (d["id"] for d in listed["dead_letters"])
        shown = (await client.get(f"{LETTERS}/{one}", headers=OPERATOR)).json()
        assert (shown["consumer"], shown["conversation_id"], shown["redriven"]) == (consumer, conv, False)
        assert first.id in shown["body"]
        assert "a bug in the handler" in shown["reason"]

        still = (await client.post(f"{LETTERS}/{one}/redrive", headers=OPERATOR)).json()
        assert (still["redriven"], still["failed"]) == (0, 1), "the cause is not fixed: it stays parked"
        assert "a bug in the handler" in still["results"][0]["error"]

        broken = False
        done = (await client.post(f"{LETTERS}/{one}/redrive", headers=OPERATOR)).json()
        assert [(r["id"], r["applied"]) for r in done["results"]] == [(one, True)]
        rest = (await client.post(f"{LETTERS}/redrive", headers=OPERATOR, json={"consumer": consumer})).json()
        assert [(r["id"], r["applied"]) for r in rest["results"]] == [(two, True)]
        assert applied == [first.id, second.id], "once each, in log order"

        again = await client.post(f"{LETTERS}/{one}/redrive", headers=OPERATOR)
        assert (again.status_code, again.json()["results"]) == (200, []), "a second redrive applies nothing"
        again = await client.post(f"{LETTERS}/redrive", headers=OPERATOR, json={"consumer": consumer})
        assert (again.status_code, again.json()["results"]) == (200, [])
        assert applied == [first.id, second.id]
        assert (await client.get(f"{LETTERS}/{one}", headers=OPERATOR)).json()["redriven"] is True
        assert (await client.get(LETTERS, params={"consumer": consumer}, headers=OPERATOR)).json()["count"] == 0
    finally:
        await server.stop()
        await consumers.stop()
