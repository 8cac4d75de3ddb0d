"""Event subscribers of the billing service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import CONVERSATION_PREFIX
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.billing import service


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def book(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.apply(uow, recorded)

    # In log order, so a turn's calls are booked before the reply that closes it.
    return [Subscription("ledger", f"{CONVERSATION_PREFIX}.>", book, batch_size=64)]
