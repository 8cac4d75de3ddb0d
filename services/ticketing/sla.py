"""SLA timers: due first-response and resolution targets become ``sla.breached``, each exactly once."""

from __future__ import annotations

from libs.events import SlaBreached
from libs.platform import metrics
from libs.platform.outbox import UnitOfWork
from services.ticketing.repository import SlaKind, TicketRepository
from services.ticketing.service import ACTOR, _emit

SWEEP_BATCH = 100


async def sweep_sla(uow: UnitOfWork, limit: int = SWEEP_BATCH) -> int:
    """Claim due timers and announce each breach, in one transaction: exactly once across restarts and replicas."""
    repo = TicketRepository(uow.session)
    claimed = 0
    kinds: tuple[SlaKind, ...] = ("first_response", "resolution")
    for kind in kinds:
        for row in await repo.claim_due_breaches(kind, limit):
            breach = SlaBreached(
                ticket_id=row.ticket_id,
                kind=kind,
                priority=row.priority,
                due_at=row.due_at.isoformat(),
                assignee=row.assignee,
            )
            _emit(uow, row, breach, ACTOR)
            claimed += 1
    return claimed


def count_breaches(uow: UnitOfWork) -> None:
    """After the sweep's unit of work committed: its breaches in ``deskpilot_sla_breaches_total``."""
    for event in uow.pending:
        if isinstance(event.payload, SlaBreached):
            metrics.SLA_BREACHES.labels(event.payload.kind, event.payload.priority).inc()


async def seconds_to_next_breach(uow: UnitOfWork) -> float | None:
    """How long until the next running timer is due (None: none is running)."""
    return await TicketRepository(uow.session).seconds_to_next_breach()
