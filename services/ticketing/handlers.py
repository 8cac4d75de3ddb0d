"""Event subscribers of the ticketing service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.ticketing import service


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def on_handoff(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.open_ticket_for_handoff(uow, recorded)

    return [Subscription("handoffs", any_conversation("handoff.requested"), on_handoff)]
