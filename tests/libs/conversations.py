"""A conversation to publish customer messages to, for the consumer tests of ``tests/libs``."""

from __future__ import annotations

from libs.events import Actor, Envelope, EventLog, MessageReceived, new_id
from libs.events.subjects import conversation_subject

CUSTOMER = Actor(kind="customer", id="cust-1")


class Conversation:
    """One conversation's subject, and the positions of the messages published to it."""

    def __init__(self, event_log: EventLog, tenant_id: str) -> None:
        self.log, self.tenant_id, self.id = event_log, tenant_id, new_id("conv")
        self.subject = conversation_subject(tenant_id, self.id, "message.received")
        self.positions: list[int] = []

    async def publish(self, count: int) -> list[int]:
        """``count`` more messages, one after another; their positions (also kept in ``positions``)."""
        published = []
        for _ in range(count):
            payload = MessageReceived(message_id=new_id("msg"), text=f"m{len(self.positions)}")
            event = Envelope.new(payload, tenant_id=self.tenant_id, conversation_id=self.id, actor=CUSTOMER)
            published.append(await self.log.publish(event))
            self.positions.append(published[-1])
        return published
