"""Event subscribers of the billing service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.billing import service
from services.billing.booking import BOOKED_TYPES


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def book(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.apply(uow, recorded)

    async def book_batch(batch: list[RecordedEvent]) -> None:
        async with runtime.unit_of_work() as uow:
            for recorded in batch:
                await service.apply(uow, recorded)

    # In log order, so a turn's calls are booked before the reply that closes it; only the types booking reads.
    subjects = " ".join(any_conversation(t) for t in sorted(BOOKED_TYPES))
    does = (
        "book the events the ledger reads (`booking.book`): a row per model call and tool outcome, the turn's "
        "`usage.recorded` when a reply or handoff closes it, conversation meters, quota thresholds"
    )
    # book() reads no personal field (the rebuild reads the log unopened too): no key look-ups, no decryption.
    return [
        Subscription("ledger", subjects, book, batch_size=64, batch_handler=book_batch, does=does, reads_personal=False)
    ]
