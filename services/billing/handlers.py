"""Event subscribers of the billing service."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from libs.events import MessageReceived, RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from libs.platform.subscriptions import GATHER_S
from services.billing import service
from services.billing.booking import ANNOUNCING_TYPES, BOOKED_TYPES, month_of


class MeteredMonths:
    """The conversations and months whose customer message this process booked, committed. Booking another message
    of the same conversation in the same month changes nothing (the meter keeps its first message, the month its
    active mark, and billing deletes neither), so such a message needs no transaction. Process-local and bounded:
    what it does not know is booked as before."""

    def __init__(self, capacity: int = 65536) -> None:
        self._capacity = capacity
        self._booked: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    @staticmethod
    def _key(recorded: RecordedEvent) -> tuple[str, str, str] | None:
        event = recorded.event
        if not isinstance(event.payload, MessageReceived) or event.conversation_id is None:
            return None
        return event.tenant_id, event.conversation_id, month_of(event.occurred_at)

    def booked(self, recorded: RecordedEvent) -> bool:
        """Whether booking ``recorded`` would change nothing, as far as this process knows."""
        key = self._key(recorded)
        return key is not None and key in self._booked

    def committed(self, batch: Iterable[RecordedEvent]) -> None:
        """``batch`` was booked and committed."""
        for recorded in batch:
            if (key := self._key(recorded)) is not None:
                self._booked[key] = None
                self._booked.move_to_end(key)
        while len(self._booked) > self._capacity:
            self._booked.popitem(last=False)


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    metered = MeteredMonths()

    async def book(recorded: RecordedEvent) -> None:
        await book_batch([recorded])

    async def book_batch(batch: list[RecordedEvent]) -> None:
        left = [recorded for recorded in batch if not metered.booked(recorded)]
        if not left:
            return
        async with runtime.unit_of_work() as uow:
            await service.apply_all(uow, left)
        metered.committed(left)

    # In log order, so a turn's calls are booked before the reply that closes it; only the types booking reads.
    subjects = " ".join(any_conversation(t) for t in sorted(BOOKED_TYPES))
    does = (
        "book the events the ledger reads (`booking.book`): a row per model call and tool outcome, the turn's "
        "`usage.recorded` when a reply or handoff closes it, conversation meters, quota thresholds"
    )
    # book() reads no personal field (the rebuild reads the log unopened too): no key look-ups, no decryption.
    # A turn's model calls and tool outcomes wait (at most GATHER_S) for the reply or handoff that closes it, and
    # the turn is booked in one transaction, not one per event; a reply or handoff, which announce the turn's usage, are
    # booked at once. A customer's message waits for the turn it opens too (its quota figures follow at most GATHER_S
    # later): billing does not compete with the agent for the CPU while the turn starts (decision 0061).
    return [
        Subscription(
            "ledger",
            subjects,
            book,
            batch_size=64,
            batch_handler=book_batch,
            does=does,
            reads_personal=False,
            gather_s=GATHER_S,
            gather_until=ANNOUNCING_TYPES - {"message.received"},
        )
    ]
