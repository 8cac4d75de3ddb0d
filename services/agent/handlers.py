"""Event subscribers of the agent service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from libs.events import RecordedEvent, ToolsPublished
from libs.events.subjects import any_conversation, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from libs.platform.subscriptions import GATHER_S, EventHandler
from services.agent.deadlines import TurnDeadlines
from services.agent.releases import figures as release_figures
from services.agent.repository import CatalogRepository
from services.agent.service import Agent
from services.agent.state import TRIGGERS, ConversationState
from services.agent.tenant_setup import TenantSetup, TenantSetups

__all__ = ["TRIGGERS", "subscriptions", "waker"]

Wake = Callable[[str, str, int], Awaitable[ConversationState]]


def waker(agent: Agent, setups: TenantSetups, deadlines: TurnDeadlines) -> Wake:
    """Advance one conversation as far as it goes now (reading at least through ``through``), and keep its turn's
    deadline in step with where it was left."""

    async def wake(tenant_id: str, conversation_id: str, through: int = 0) -> ConversationState:
        chosen: list[TenantSetup] = []

        async def choose(state: ConversationState) -> TenantSetup:
            setup = await setups.for_conversation(tenant_id, conversation_id, state.release)
            chosen.append(setup)
            return setup

        progress = await agent.advance(tenant_id, conversation_id, [], through=through, choose=choose)
        await deadlines.track(progress.state, chosen[-1].policy)
        return progress.state

    return wake


# What the agent does after each trigger (docs/architecture.md shows it; a test wants one per trigger).
DOES_AFTER = {
    "message.received": "a customer wrote: open a turn and answer it (`Agent.advance`)",
    "tool.completed": "a tool answered: give the result to the model and carry on with the turn",
    "tool.failed": "a tool failed: give the failure to the model and carry on with the turn",
    "tool.approval_decided": "a person approved or denied a tool call: send it, or tell the model it was denied",
    "turn.stalled": "the conversation's turn sweep found a message unanswered: resume the turn (or open it)",
}


def subscriptions(runtime: ServiceRuntime, wake: Wake, setups: TenantSetups, concurrency: int) -> list[Subscription]:
    async def advance(recorded: RecordedEvent) -> None:
        assert recorded.event.conversation_id is not None
        await wake(recorded.event.tenant_id, recorded.event.conversation_id, recorded.position)

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

    async def figures(recorded: RecordedEvent) -> None:
        await figures_batch([recorded])

    async def figures_batch(batch: list[RecordedEvent]) -> None:
        counted = [r for r in batch if release_figures.counted(r)]
        if not counted:
            return  # model calls of conversations under no release: no transaction at all
        async with runtime.unit_of_work() as uow:
            for recorded in counted:
                await release_figures.project(uow.session, recorded)

    # Turns of different conversations run concurrently; one conversation is serialised by the agent's lock and,
    # across replicas, by optimistic concurrency on its log; a delivery superseded by a newer trigger of its
    # conversation defers to that one's (decision 0049).
    return [
        *_wakes(advance, concurrency),
        Subscription(
            "release-figures",
            " ".join(any_conversation(t) for t in release_figures.FIGURE_TYPES),
            figures,
            batch_size=64,
            batch_handler=figures_batch,
            does="count each conversation under an agent release once: its release, the cost of its model calls, "
            "handoff, resolution and rating (the figures per release)",
            gather_s=GATHER_S,  # off the turn's path: at most one transaction per GATHER_S (decision 0061)
        ),
        Subscription(
            "catalog",
            any_tenant("tools.published"),
            catalog,
            does="store the tools a service published for the tenant (the newest set by log position wins)",
        ),
    ]


def _wakes(advance: EventHandler, concurrency: int) -> list[Subscription]:
    """A consumer per trigger, each waking the agent on the triggering event's conversation."""
    return [
        Subscription(
            f"on-{t.replace('.', '-').replace('_', '-')}",
            any_conversation(t),
            advance,
            max_workers=concurrency,
            does=DOES_AFTER.get(t, ""),
            reads_personal=False,  # it wakes the agent, which reads the log itself: nothing to open here
        )
        for t in TRIGGERS
    ]
