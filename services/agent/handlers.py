"""Event subscribers of the agent service."""

from __future__ import annotations

from libs.events import RecordedEvent, ToolsPublished
from libs.events.subjects import any_conversation, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.agent.repository import CatalogRepository
from services.agent.service import Agent
from services.agent.tenant_setup import TenantSetups

# Events after which the agent may have something to do.
TRIGGERS = ("message.received", "tool.completed", "tool.failed", "tool.approval_decided")


def subscriptions(runtime: ServiceRuntime, agent: Agent, setups: TenantSetups, concurrency: int) -> list[Subscription]:
    async def advance(recorded: RecordedEvent) -> None:
        event = recorded.event
        assert event.conversation_id is not None
        setup = await setups.get(event.tenant_id)
        await agent.advance(event.tenant_id, event.conversation_id, setup.tools, setup.policy)

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
        setups.invalidate(recorded.event.tenant_id)

    # Turns of different conversations run concurrently; one conversation is serialised by the agent's lock and,
    # across replicas, by optimistic concurrency on its log.
    return [
        *(
            Subscription(
                f"on-{t.replace('.', '-').replace('_', '-')}",
                any_conversation(t),
                advance,
                max_workers=concurrency,
                ack_wait_s=300,
            )
            for t in TRIGGERS
        ),
        Subscription("catalog", any_tenant("tools.published"), catalog),
    ]
