"""Event subscribers of the ticketing service, and the SLA timer loop."""

from __future__ import annotations

import asyncio
import logging

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.ticketing import service

log = logging.getLogger("deskpilot.ticketing")


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def on_handoff(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.open_ticket_for_handoff(uow, recorded)

    async def on_customer_message(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            if not await service.open_ticket_for_email(uow, recorded):
                await service.customer_answered(uow, recorded)

    async def on_rating(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.customer_rated(uow, recorded)

    return [
        Subscription("handoffs", any_conversation("handoff.requested"), on_handoff),
        Subscription("ratings", any_conversation("csat.recorded"), on_rating),
        Subscription("customer-messages", any_conversation("message.received"), on_customer_message, batch_size=64),
    ]


async def sla_timers(runtime: ServiceRuntime, interval_s: float) -> None:
    """Forever: claim due SLA timers and emit their breaches (each claim commits with its events).

    The timers are rows, so they survive restarts; any number of replicas may run this loop at once.
    """
    while True:
        claimed = 0
        try:
            async with runtime.unit_of_work() as uow:
                claimed = await service.sweep_sla(uow)
        except Exception:
            log.exception("SLA sweep failed; retrying in %.1fs", interval_s)
        if claimed < service.SWEEP_BATCH:
            await asyncio.sleep(interval_s)
