"""SLA timers on real PostgreSQL + JetStream: a breach is announced exactly once, across a restart and with two
instances sweeping at the same time; met targets (a reply, a resolution) never breach.

No module-scoped service here: each test controls exactly which ticketing instances are running.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import httpx2

from libs.events import Actor, Envelope, EventLog, HandoffRequested, Priority, RecordedEvent, new_id
from libs.platform.runtime import ServiceRuntime
from services.ticketing import service, sla
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from services.ticketing.repository import TicketRepository
from tests.support import eventually, outbox_events, provision_tenant, running


def make_app(nats_url: str, database: dict[str, str], interval_s: float = 0.2) -> Any:
    settings = TicketingSettings.model_validate({"NATS_URL": nats_url, **database})
    return create_app(settings, sla_sweep_interval_s=interval_s)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def set_targets(
    client: httpx2.AsyncClient, key: str, priority: str, first_response: int, resolution: int
) -> None:
    r = await client.put(
        f"/v1/tickets/sla-policy/{priority}",
        json={"first_response_seconds": first_response, "resolution_seconds": resolution},
        headers=auth(key),
    )
    assert r.status_code == 200, r.text


async def open_ticket(runtime: ServiceRuntime, tenant_id: str, priority: Priority = "urgent") -> tuple[str, str]:
    conv = new_id("conv")
    handoff = Envelope.new(
        HandoffRequested(turn_id="t", reason="angry", summary="needs a human", priority=priority),
        tenant_id=tenant_id,
        conversation_id=conv,
        actor=Actor(kind="ai", id="agent"),
    )
    async with runtime.unit_of_work() as uow:
        assert await service.open_ticket_for_handoff(uow, RecordedEvent(1, handoff))
    (created,) = [e for e in await outbox_events(runtime, "ticket.created") if e.conversation_id == conv]
    return conv, created.payload.ticket_id  # type: ignore[union-attr]


async def breaches(runtime: ServiceRuntime, tenant_id: str) -> list[tuple[str, str]]:
    """(ticket id, kind) of every sla.breached this tenant's tickets have in the outbox."""
    return [
        (e.payload.ticket_id, e.payload.kind)  # type: ignore[union-attr]
        for e in await outbox_events(runtime, "sla.breached")
        if e.tenant_id == tenant_id
    ]


async def test_a_breach_fires_once_across_a_restart(
    nats_url: str, ticketing_database: dict[str, str], event_log: EventLog
) -> None:
    async with running(make_app(nats_url, ticketing_database)) as (client, first):
        tenant = await provision_tenant(event_log, first)
        await set_targets(client, tenant.api_key, "urgent", first_response=3, resolution=4)
        policy = (await client.get("/v1/tickets/sla-policy/", headers=auth(tenant.api_key))).json()["items"]
        assert {"priority": "urgent", "first_response_seconds": 3, "resolution_seconds": 4} in policy
        assert {"priority": "low", "first_response_seconds": 8 * 3600, "resolution_seconds": 72 * 3600} in policy
        conv, ticket_id = await open_ticket(first, tenant.tenant_id)
    # the instance is gone before either target fell due
    async with first.db.session() as session:
        stopped_with = await TicketRepository(session).get(tenant.tenant_id, ticket_id)
    await first.db.close()
    assert stopped_with is not None
    assert stopped_with.first_response_breached_at is None
    assert stopped_with.resolution_breached_at is None

    async with running(make_app(nats_url, ticketing_database)) as (client, second):

        async def both_breached() -> list[tuple[str, str]] | None:
            found = await breaches(second, tenant.tenant_id)
            return found if len(found) >= 2 else None

        await eventually(both_breached, what="both SLA breaches after the restart")
        # more sweeps, racing each other, announce nothing new
        for _ in range(3):
            await asyncio.gather(*(sweep(second) for _ in range(4)))
        assert sorted(await breaches(second, tenant.tenant_id)) == [
            (ticket_id, "first_response"),
            (ticket_id, "resolution"),
        ]

        async def on_log() -> list[Any] | None:
            found = await event_log.read_type(tenant.tenant_id, conv, "sla.breached")
            return found if len(found) >= 2 else None

        logged = await eventually(on_log, what="the breaches on the conversation's log")
        assert sorted(r.event.payload.kind for r in logged) == ["first_response", "resolution"]
        assert all(r.event.payload.priority == "urgent" for r in logged)
        listed = await client.get("/v1/tickets/", params={"view": "breaching"}, headers=auth(tenant.api_key))
        assert [t["ticket_id"] for t in listed.json()["items"]] == [ticket_id]
        assert listed.json()["items"][0]["sla"]["first_response_breached_at"] is not None


async def sweep(runtime: ServiceRuntime) -> int:
    async with runtime.unit_of_work() as uow:
        return await sla.sweep_sla(uow)


async def test_two_instances_sweeping_at_once_announce_each_breach_once(
    nats_url: str, ticketing_database: dict[str, str], event_log: EventLog
) -> None:
    async with (
        running(make_app(nats_url, ticketing_database, interval_s=0.05)) as (client, one),
        running(make_app(nats_url, ticketing_database, interval_s=0.05)) as (_, two),
    ):
        tenant = await provision_tenant(event_log, one)
        await provision_tenant(event_log, two, name="same tenant, other instance")
        await set_targets(client, tenant.api_key, "high", first_response=1, resolution=1)
        tickets = [(await open_ticket(one if i % 2 else two, tenant.tenant_id, "high"))[1] for i in range(30)]

        expected = {(t, k) for t in tickets for k in ("first_response", "resolution")}

        async def race() -> None:
            # both instances' own loops run too; these explicit sweeps make the claims collide
            while set(await breaches(one, tenant.tenant_id)) != expected:
                await asyncio.gather(sweep(one), sweep(two), sweep(one), sweep(two))

        await asyncio.wait_for(race(), timeout=20)
        await asyncio.gather(*(sweep(r) for r in (one, two, one, two)))
        counts = Counter(await breaches(one, tenant.tenant_id))
        assert set(counts) == expected
        duplicated = {key: n for key, n in counts.items() if n > 1}
        assert not duplicated, f"breaches announced more than once: {duplicated}"


async def test_met_targets_never_breach(nats_url: str, ticketing_database: dict[str, str], event_log: EventLog) -> None:
    async with running(make_app(nats_url, ticketing_database)) as (client, runtime):
        tenant = await provision_tenant(event_log, runtime)
        agent = await client.post("/v1/tickets/agents/", json={"name": "Alice"}, headers=auth(tenant.api_key))
        key = agent.json()["api_key"]
        # Targets met with 4-5 s to spare; the ignored ticket's resolution comes due last, so every other target has
        # passed once that breach is announced.
        await set_targets(client, tenant.api_key, "high", first_response=4, resolution=5)
        await set_targets(client, tenant.api_key, "urgent", first_response=1, resolution=6)
        _, answered = await open_ticket(runtime, tenant.tenant_id, "high")
        _, solved = await open_ticket(runtime, tenant.tenant_id, "high")
        _, ignored = await open_ticket(runtime, tenant.tenant_id)
        r = await client.post(f"/v1/tickets/{answered}/replies", json={"text": "on it"}, headers=auth(key))
        assert r.status_code == 201
        r = await client.post(f"/v1/tickets/{solved}/status", json={"status": "resolved"}, headers=auth(key))
        assert r.status_code == 200

        async def ignored_resolution_breached() -> bool:
            return (ignored, "resolution") in await breaches(runtime, tenant.tenant_id)

        await eventually(ignored_resolution_breached, what="the ignored ticket's resolution breach")
        await sweep(runtime)
        # Judged by what the database recorded, not by how fast this machine was: a timer stops when it is met or
        # its ticket is resolved; one stopped before it fell due never breaches; every breach is announced once.
        breached, met_in_time = set(), set()
        for ticket_id in (answered, solved, ignored):
            sla_of = (await client.get(f"/v1/tickets/{ticket_id}", headers=auth(key))).json()["sla"]
            for kind, met in (("first_response", "first_responded_at"), ("resolution", "resolved_at")):
                stops = [datetime.fromisoformat(at) for at in (sla_of[met], sla_of["resolved_at"]) if at is not None]
                if stops and min(stops) < datetime.fromisoformat(sla_of[f"{kind}_due_at"]):
                    met_in_time.add((ticket_id, kind))
                if sla_of[f"{kind}_breached_at"] is not None:
                    breached.add((ticket_id, kind))
        assert met_in_time, "no target was met in time: the test would prove nothing"
        assert not met_in_time & breached, f"met in time, yet breached: {met_in_time & breached}"
        assert {(ignored, "first_response"), (ignored, "resolution"), (answered, "resolution")} <= breached
        assert sorted(await breaches(runtime, tenant.tenant_id)) == sorted(breached)
