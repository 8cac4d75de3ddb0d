"""Event subscribers of the knowledge service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.knowledge import service


def subscriptions(runtime: ServiceRuntime, kb: service.Knowledge) -> list[Subscription]:
    async def answer(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.answer_tool_call(uow, kb, recorded)

    return [Subscription("tool-requests", any_conversation("tool.requested"), answer, max_workers=4)]
