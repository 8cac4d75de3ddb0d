"""Event subscribers of the conversation service."""

from __future__ import annotations

from libs.events import RecordedEvent
from libs.events.subjects import CONVERSATION_PREFIX, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.outbox import UnitOfWork
from libs.platform.privacy import ExportPart
from libs.platform.runtime import ServiceRuntime
from libs.platform.subscriptions import GATHER_S
from services.conversation import privacy, service
from services.conversation.projected import projected_in_requests
from services.conversation.repository import ConversationRepository, PrivacyRepository

TURN_CLOSED = "usage.recorded"
"""Billing's figure of a finished turn (reply or handoff), the turn's last event: nothing of the turn can join what
waits any more, so it ends the gathering too, and the view's position is current once a turn is done (a customer
message posted then finds the view caught up and is projected in its request, decision 0060)."""
PROJECTED_AT_ONCE = (service.SHOWN_TYPES - {"message.received", "agent.turn_started"}) | {TURN_CLOSED}
"""What ends the projection's gathering: what a reader may see, but for the two a turn begins with, which wait for
the turn's reply (at most GATHER_S). A customer's message is projected by the request that accepted it, and the
turn's opening sets the status its message already set (``with_ai``): projecting them again at once only made the
conversation service compete with the agent for the CPU while the turn starts (decision 0061)."""


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    # A customer message the request that accepted it projected (and committed) needs no second projection.
    in_requests = projected_in_requests(runtime)

    async def project(recorded: RecordedEvent) -> None:
        if await in_requests.projected(recorded.event.id):
            return
        async with runtime.unit_of_work() as uow:
            await service.project(ConversationRepository(uow.session), recorded)

    async def project_batch(batch: list[RecordedEvent]) -> None:
        left = [recorded for recorded in batch if not await in_requests.projected(recorded.event.id)]
        if not left:
            return
        async with runtime.unit_of_work() as uow:
            await service.project_batch(ConversationRepository(uow.session), left)

    async def quota(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.record_quota_state(ConversationRepository(uow.session), recorded)

    async def privacy_answer(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await privacy.record_answer(PrivacyRepository(uow.session), recorded)

    async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:
        return await privacy.redact(runtime.event_log, uow, tenant_id, conversation_ids)

    async def export(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> ExportPart:
        return await privacy.export(runtime.event_log, uow, tenant_id, conversation_ids)

    runtime.privacy.handle(redact, export)
    # One ordered consumer over every conversation event keeps the read model in log order. An event that changes
    # what a reader sees (a status, a transcript line) is projected at once, with the ones that waited for it (at
    # most GATHER_S: a turn's message, opening, model and tool calls), so that a turn takes a few transactions, not
    # one each; the turn's usage figure, its last event, ends the wait too.
    return [
        Subscription(
            "projection",
            f"{CONVERSATION_PREFIX}.>",
            project,
            batch_size=64,
            batch_handler=project_batch,
            does="project every conversation event into status and transcript (rows keyed by log position)",
            gather_s=GATHER_S,
            gather_until=PROJECTED_AT_ONCE,
        ),
        Subscription(
            "quota",
            any_tenant("plan.quota_state_changed"),
            quota,
            does="keep the tenant's quota state: past the hard limit, new conversations are refused or go to a human",
        ),
        Subscription(
            "privacy-answers",
            f"{any_tenant('privacy.erasure_completed')} {any_tenant('privacy.export_prepared')}",
            privacy_answer,
            does="record each service's answer to an erasure or an export, for its status",
        ),
    ]
