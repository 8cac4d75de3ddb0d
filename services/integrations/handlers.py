"""Event subscribers of the integrations service."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import UTC, datetime, timedelta

from libs.events import RecordedEvent
from libs.events.subjects import any_conversation, any_tenant
from libs.platform.consumers import Subscription
from libs.platform.row_security import tenant_scope
from libs.platform.runtime import ServiceRuntime
from libs.platform.subscriptions import GATHER_S
from services.integrations import service
from services.integrations.providers import zendesk_sync
from services.integrations.repository import BookkeepingRepository

log = logging.getLogger("deskpilot.integrations")
BATCH = 5000


def subscriptions(runtime: ServiceRuntime, remotes: service.Remotes) -> list[Subscription]:
    async def sync(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await zendesk_sync.sync_from_webhook(uow, recorded)

    zendesk_tenants = zendesk_sync.ZendeskTenants()

    async def mirror_batch(batch: list[RecordedEvent]) -> None:
        # Only messages of tenants with Zendesk connected are looked at: the others cost no statement (decision
        # 0058). Of those, most conversations have no linked ticket: one read for the fetch, then the rest as for one
        # message, in the message's tenant (each ticket's note is once-only, so a batch taken again repeats nothing).
        # The messages come as stored (below): only those of a linked conversation are opened, for their note.
        messages = zendesk_tenants.messages_to_mirror(batch)
        linked = await zendesk_sync.linked_conversations(runtime.db.reader, messages)
        for recorded in messages:
            if (recorded.event.tenant_id, recorded.event.conversation_id) in linked:
                with tenant_scope(recorded.event.tenant_id):
                    opened = RecordedEvent(recorded.position, await runtime.event_log.open(recorded.event))
                    await zendesk_sync.mirror_customer_message(
                        runtime.unit_of_work, runtime.db.reader, opened, remotes.oauth
                    )

    async def mirror(recorded: RecordedEvent) -> None:
        await mirror_batch([recorded])

    return [
        service.executor(remotes).subscription(runtime.unit_of_work, max_workers=8),
        Subscription(
            "webhook-sync",
            any_tenant("webhook.received"),
            sync,
            does="apply Zendesk ticket events to `external_tickets`; on a linked conversation emit "
            "`external_ticket.updated`, and `human.replied` for a Zendesk agent's public comment",
        ),
        Subscription(
            "helpdesk-mirror",
            f"{any_conversation('message.received')} {any_tenant('tools.published')}",
            mirror,
            batch_size=64,
            batch_handler=mirror_batch,
            does="add a customer's message to the conversation's open Zendesk ticket as an internal note; "
            "the tenants with Zendesk connected, known from their catalogs, are the only ones looked at",
            reads_personal=False,  # most conversations have no linked ticket: their messages stay sealed
            gather_s=GATHER_S,  # off the turn's path: at most one transaction per GATHER_S (decision 0061)
            on_start=functools.partial(zendesk_tenants.load, runtime.db.reader),
        ),
    ]


async def forget_old_bookkeeping(runtime: ServiceRuntime, retention: timedelta, interval_s: float = 3600.0) -> None:
    """Forever: delete once-only bookkeeping older than ``retention`` (any number of replicas may run it)."""
    while True:
        try:
            gone = 0
            while True:  # batch after batch until the backlog is gone, each its own short transaction
                async with runtime.unit_of_work() as uow:
                    batch = await BookkeepingRepository(uow.session).forget(datetime.now(UTC) - retention, BATCH)
                gone += batch
                if batch < BATCH:
                    break
                await asyncio.sleep(0)
            if gone:
                log.info("forgot %d bookkeeping rows older than %s", gone, retention)
        except Exception:
            log.exception("bookkeeping retention failed; retrying in %.0fs", interval_s)
        await asyncio.sleep(interval_s)
