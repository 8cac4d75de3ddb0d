"""Event subscribers of the ticketing service, and the SLA timer loop."""

from __future__ import annotations

import asyncio
import logging

from libs.events import MessageReceived, RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.row_security import tenant_scope
from libs.platform.runtime import ServiceRuntime
from libs.platform.subscriptions import GATHER_S
from services.ticketing import ratings, service, sla
from services.ticketing.repository import TicketRepository

log = logging.getLogger("deskpilot.ticketing")


def subscriptions(runtime: ServiceRuntime) -> list[Subscription]:
    async def on_handoff(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await service.open_ticket_for_handoff(uow, recorded)

    async def customer_wrote(stored: RecordedEvent) -> None:
        # Taken as stored (below): only a message that may concern a ticket is opened.
        recorded = RecordedEvent(stored.position, await runtime.event_log.open(stored.event))
        async with runtime.unit_of_work() as uow:
            if not await service.open_ticket_for_email(uow, recorded):
                await service.customer_answered(uow, recorded)

    async def on_customer_message(recorded: RecordedEvent) -> None:
        # Every customer message of every tenant comes here, and most conversations have no ticket: find that out
        # with one read, outside a transaction, before opening one.
        async with runtime.db.reader() as session:
            if not await service.may_concern_tickets(session, recorded):
                return
        await customer_wrote(recorded)

    async def on_customer_messages(batch: list[RecordedEvent]) -> None:
        # The same, with one read for a whole fetch; each message that may concern a ticket in its own tenant's
        # transaction (a redelivered batch repeats nothing: both steps are idempotent).
        wrote = {(r.event.tenant_id, r.event.conversation_id or "") for r in batch}
        async with runtime.db.reader() as session:
            with_ticket = await TicketRepository(session).with_tickets(wrote)
        for recorded in batch:
            event = recorded.event
            if _email(event.payload) or (event.tenant_id, event.conversation_id) in with_ticket:
                with tenant_scope(event.tenant_id):
                    await customer_wrote(recorded)

    async def on_rating(recorded: RecordedEvent) -> None:
        async with runtime.unit_of_work() as uow:
            await ratings.customer_rated(uow, recorded)

    return [
        Subscription(
            "handoffs",
            any_conversation("handoff.requested"),
            on_handoff,
            does="open a ticket for the handoff and assign it round-robin",
        ),
        Subscription(
            "ratings",
            any_conversation("csat.recorded"),
            on_rating,
            does="a rating the customer gave on their channel becomes the ticket's CSAT (once)",
        ),
        Subscription(
            "customer-messages",
            any_conversation("message.received"),
            on_customer_message,
            batch_size=64,
            batch_handler=on_customer_messages,
            does="a conversation's first email opens its ticket; a customer's answer reopens a pending ticket",
            reads_personal=False,  # most conversations have no ticket: their messages stay sealed
            gather_s=GATHER_S,  # off the turn's path: at most one transaction per GATHER_S (decision 0061)
        ),
    ]


def _email(payload: object) -> bool:
    return isinstance(payload, MessageReceived) and payload.channel == "email"


async def sla_timers(runtime: ServiceRuntime, interval_s: float) -> None:
    """Forever: claim due SLA timers and emit their breaches (each claim commits with its events).

    The timers are rows, so they survive restarts; any number of replicas may run this loop at once. Between
    sweeps it sleeps until the next running timer is due, at most ``interval_s`` (a ticket opened meanwhile, by
    this replica or another, may have an earlier one): idle, the service does not ask its database every second.
    """
    while True:
        claimed = 0
        next_due: float | None = None
        try:
            async with runtime.unit_of_work() as uow:
                claimed = await sla.sweep_sla(uow)
                if claimed < sla.SWEEP_BATCH:
                    next_due = await sla.seconds_to_next_breach(uow)
            sla.count_breaches(uow)
        except Exception:
            log.exception("SLA sweep failed; retrying in %.1fs", interval_s)
        if claimed < sla.SWEEP_BATCH:
            # A few ms past the due time, so that the database's now() has reached it when the sweep runs.
            await asyncio.sleep(interval_s if next_due is None else min(interval_s, max(0.04, next_due) + 0.01))
