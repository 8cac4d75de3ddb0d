"""Event subscribers of the conversation service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import CONVERSATION_PREFIX, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.repository import ConversationRepository


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def project(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.project(ConversationRepository(uow.session), recorded)

    async def project_batch(batch: list[RecordedEvent]) -> None:
        async with runtime.unit_of_work() as uow:
            await service.project_batch(ConversationRepository(uow.session), batch)

    async def quota(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.record_quota_state(ConversationRepository(uow.session), recorded)

    # One ordered consumer over every conversation event keeps the read model in log order.
    return [
        Subscription(
            "projection",
            f"{CONVERSATION_PREFIX}.>",
            project,
            batch_size=64,
            batch_handler=project_batch,
            does="project every conversation event into status and transcript (rows keyed by log position)",
        ),
        Subscription(
            "quota",
            any_tenant("plan.quota_state_changed"),
            quota,
            does="keep the tenant's quota state: past the hard limit, new conversations are refused or go to a human",
        ),
    ]
