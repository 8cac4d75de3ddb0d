"""Plans and quotas through events, on the real service: alerts at 80 % and 100 %, the hard limit, and the quota
state the conversation service acts on — each announced exactly once per tenant and month."""

from __future__ import annotations

from datetime import UTC, datetime

from libs.events import Actor, Envelope, EventLog, MessageReceived, RecordedEvent, decode, new_id
from libs.platform.runtime import ServiceRuntime
from services.billing import service
from services.billing.tests.conftest import Service
from tests.support import eventually, outbox_events, provision_tenant

CUSTOMER = Actor(kind="customer", id="c")


async def new_conversations(log: EventLog, tenant_id: str, count: int, messages: int = 1) -> list[Envelope]:
    """``count`` conversations with ``messages`` customer messages each this month (only the first counts)."""
    out = []
    for _ in range(count):
        conv = new_id("conv")
        for _ in range(messages):
            e = Envelope.new(
                MessageReceived(message_id=new_id("msg"), text="hello"),
                tenant_id=tenant_id,
                conversation_id=conv,
                actor=CUSTOMER,
            )
            await log.append(tenant_id, conv, [e], expected_version=None)
            out.append(e)
    return out


async def announced(runtime: ServiceRuntime, tenant_id: str, event_type: str) -> list[Envelope]:
    return [e for e in await outbox_events(runtime, event_type) if e.tenant_id == tenant_id]


async def active(client_runtime: Service, api_key: str, expected: int) -> bool:
    client, _ = client_runtime
    r = await client.get("/v1/billing/usage", headers={"Authorization": f"Bearer {api_key}"})
    return r.status_code == 200 and r.json()["active_conversations"] == expected


async def test_free_plan_hard_limit_refuses_new_conversations_as_configured(
    billing: Service, event_log: EventLog
) -> None:
    client, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    r = await client.put(
        "/v1/billing/plan",
        json={"plan": "free", "over_limit_behaviour": "refuse", "refusal_message": "Limit reached, email us."},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["hard_limit"] == 50

    await new_conversations(event_log, tenant.tenant_id, 3, messages=3)
    await new_conversations(event_log, tenant.tenant_id, 36)
    await eventually(lambda: active(billing, tenant.api_key, 39), what="39 active conversations")
    assert await announced(runtime, tenant.tenant_id, "usage.alert") == []

    await new_conversations(event_log, tenant.tenant_id, 1)
    await eventually(lambda: active(billing, tenant.api_key, 40), what="40 active conversations")
    alerts = await announced(runtime, tenant.tenant_id, "usage.alert")
    assert [(a.payload.threshold_pct, a.payload.used) for a in alerts] == [(80, 40)]  # type: ignore[union-attr]
    assert await announced(runtime, tenant.tenant_id, "quota.exceeded") == []

    await new_conversations(event_log, tenant.tenant_id, 12)  # to 52: past the hard limit
    await eventually(lambda: active(billing, tenant.api_key, 52), what="52 active conversations")
    # redeliveries of everything change nothing
    for position, raw in await event_log.read_raw(f"dp.conv.{tenant.tenant_id}.>"):
        async with runtime.unit_of_work() as uow:
            await service.apply(uow, RecordedEvent(position, decode(raw)))

    alerts = await announced(runtime, tenant.tenant_id, "usage.alert")
    assert [(a.payload.threshold_pct, a.payload.used) for a in alerts] == [(80, 40), (100, 50)]  # type: ignore[union-attr]
    exceeded = await announced(runtime, tenant.tenant_id, "quota.exceeded")
    assert len(exceeded) == 1
    assert (exceeded[0].payload.used, exceeded[0].payload.hard_limit, exceeded[0].payload.behaviour) == (  # type: ignore[union-attr]
        50,
        50,
        "refuse",
    )
    states = await announced(runtime, tenant.tenant_id, "plan.quota_state_changed")
    assert len(states) == 1
    state = states[0].payload
    assert (state.state, state.behaviour, state.refusal_message) == (  # type: ignore[union-attr]
        "over_hard_limit",
        "refuse",
        "Limit reached, email us.",
    )
    assert exceeded[0].subject == f"dp.tenant.{tenant.tenant_id}.quota.exceeded"

    # switching to routing to a human is announced; so is the upgrade that lifts the block
    r = await client.put("/v1/billing/plan", json={"plan": "free", "over_limit_behaviour": "handoff"}, headers=auth)
    assert r.status_code == 200
    r = await client.put("/v1/billing/plan", json={"plan": "pro"}, headers=auth)
    assert r.status_code == 200
    states = await announced(runtime, tenant.tenant_id, "plan.quota_state_changed")
    assert [(s.payload.state, s.payload.behaviour, s.payload.plan) for s in states] == [  # type: ignore[union-attr]
        ("over_hard_limit", "refuse", "free"),
        ("over_hard_limit", "handoff", "free"),
        ("within_limits", "handoff", "pro"),
    ]
    r = await client.get("/v1/billing/plan", headers=auth)
    assert r.json()["plan"]["name"] == "pro"


async def test_default_plan_routes_to_a_human_past_the_hard_limit(billing: Service, event_log: EventLog) -> None:
    client, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    r = await client.get("/v1/billing/plan", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert (r.json()["plan"]["name"], r.json()["over_limit_behaviour"]) == ("free", "handoff")
    await new_conversations(event_log, tenant.tenant_id, 50)

    async def over() -> list[Envelope]:
        return await announced(runtime, tenant.tenant_id, "plan.quota_state_changed")

    states = await eventually(over, what="the quota state to change")
    assert [(s.payload.state, s.payload.behaviour, s.payload.refusal_message) for s in states] == [  # type: ignore[union-attr]
        ("over_hard_limit", "handoff", None)
    ]
    assert len(await announced(runtime, tenant.tenant_id, "quota.exceeded")) == 1


async def test_a_new_month_lifts_the_block_and_late_events_of_an_old_month_do_not_restore_it(
    billing: Service, event_log: EventLog
) -> None:
    _, runtime = billing
    tenant = await provision_tenant(event_log, runtime)

    async def message(when: datetime) -> None:
        e = Envelope.new(
            MessageReceived(message_id=new_id("msg"), text="hi"),
            tenant_id=tenant.tenant_id,
            conversation_id=new_id("conv"),
            actor=CUSTOMER,
        ).model_copy(update={"occurred_at": when})
        # the handler's own path (the consumer calls exactly this), without flooding the shared log
        async with runtime.unit_of_work() as uow:
            await service.apply(uow, RecordedEvent(1, e))

    september, november = datetime(2026, 9, 10, tzinfo=UTC), datetime.now(UTC)
    for _ in range(50):
        await message(september)
    await message(november)
    await message(september)  # a late arrival from September
    states = await announced(runtime, tenant.tenant_id, "plan.quota_state_changed")
    assert [(s.payload.month, s.payload.state) for s in states] == [  # type: ignore[union-attr]
        ("2026-09", "over_hard_limit"),
        (november.strftime("%Y-%m"), "within_limits"),
    ]
    exceeded = await announced(runtime, tenant.tenant_id, "quota.exceeded")
    assert [e.payload.month for e in exceeded] == ["2026-09"]  # type: ignore[union-attr]
