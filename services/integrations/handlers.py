"""Event subscribers of the integrations service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.integrations import service


def subscriptions(runtime: ServiceRuntime, remotes: service.Remotes) -> list[Subscription]:
    async def execute(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.execute(uow, recorded, remotes)

    return [Subscription("tool-requests", any_conversation("tool.requested"), execute, max_workers=8)]
