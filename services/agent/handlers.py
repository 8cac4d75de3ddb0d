"""Event subscribers of the agent service."""

from __future__ import annotations

from libs.events import RecordedEvent, ToolsPublished
from libs.events.subjects import any_conversation, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.agent.repository import CatalogRepository
from services.agent.service import Agent


def subscriptions(runtime: ServiceRuntime, agent: Agent, concurrency: int) -> list[Subscription]:
    async def advance(recorded: RecordedEvent) -> None:
        event = recorded.event
        assert event.conversation_id is not None
        async with runtime.db.session() as session:
            tools = await CatalogRepository(session).tools(event.tenant_id)
        await agent.advance(event.tenant_id, event.conversation_id, tools)

    async def catalog(recorded: RecordedEvent) -> None:
        payload = recorded.event.payload
        assert isinstance(payload, ToolsPublished)
        async with runtime.unit_of_work() as uow:
            await CatalogRepository(uow.session).replace(
                recorded.event.tenant_id,
                payload.service,
                [t.model_dump(mode="json") for t in payload.tools],
                recorded.event.id,
                recorded.position,
            )

    # Turns of different conversations run concurrently; one conversation is serialised by the agent's lock and,
    # across replicas, by optimistic concurrency on its log.
    triggers = ("message.received", "tool.completed", "tool.failed")
    return [
        *(
            Subscription(
                f"on-{t.replace('.', '-')}", any_conversation(t), advance, max_workers=concurrency, ack_wait_s=120
            )
            for t in triggers
        ),
        Subscription("catalog", any_tenant("tools.published"), catalog),
    ]
