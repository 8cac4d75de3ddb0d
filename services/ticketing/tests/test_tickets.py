"""Tickets from handoffs on real PostgreSQL: one ticket per handoff, with the AI's summary and priority."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from libs.events import Actor, Envelope, EventLog, HandoffRequested, RecordedEvent, new_id
from libs.platform.runtime import ServiceRuntime
from services.ticketing import service
from services.ticketing.app import create_app
from services.ticketing.config import TicketingSettings
from tests.support import outbox_events, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="module")
async def ticketing(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = TicketingSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


async def test_a_redelivered_handoff_opens_one_ticket(ticketing: Service, event_log: EventLog) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    conv = new_id("conv")
    handoff = Envelope.new(
        HandoffRequested(
            turn_id="t", reason="refund above policy", summary="Customer wants $300 back", priority="high"
        ),
        tenant_id=tenant.tenant_id,
        conversation_id=conv,
        actor=Actor(kind="ai", id="agent"),
    )
    created = []
    for _ in range(3):
        async with runtime.unit_of_work() as uow:
            created.append(await service.open_ticket_for_handoff(uow, RecordedEvent(7, handoff)))
    assert created == [True, False, False]
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    (ticket,) = (await client.get("/v1/tickets/", headers=headers)).json()["items"]
    assert ticket["conversation_id"] == conv
    assert ticket["priority"] == "high"
    assert "Customer wants $300 back" in ticket["summary"]
    assert "refund above policy" in ticket["summary"]
    events = [e for e in await outbox_events(runtime, "ticket.created") if e.conversation_id == conv]
    assert len(events) == 1
    assert events[0].causation_id == handoff.id
    other = await provision_tenant(event_log, runtime)
    r = await client.get(f"/v1/tickets/{ticket['ticket_id']}", headers={"Authorization": f"Bearer {other.api_key}"})
    assert r.status_code == 404
