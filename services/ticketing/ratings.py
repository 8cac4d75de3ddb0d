"""Customer ratings (CSAT): a rating given on the customer's channel becomes the ticket's, and the CSAT report."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

from libs.events import RecordedEvent
from libs.events.catalog.humans import CsatRecorded
from libs.platform.outbox import UnitOfWork
from services.ticketing.repository import RatingRow, TicketRepository
from services.ticketing.schemas import CsatDay, CsatReport, Rating


async def customer_rated(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    """A rating the customer gave on their channel (``csat.recorded`` appended by the conversation service) is the
    ticket's CSAT too; a rating this service recorded itself, or a second one, changes nothing."""
    rating = recorded.event.payload
    assert isinstance(rating, CsatRecorded)
    return await TicketRepository(uow.session).record_csat(
        recorded.event.tenant_id, rating.ticket_id, rating.score, rating.comment
    )


def _mean(scores: list[int]) -> Decimal | None:
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None


def csat_report(start: date, end: date, rows: list[RatingRow]) -> CsatReport:
    """Ratings per UTC day and overall; means to two decimals."""
    by_day: dict[date, list[int]] = {}
    for row in rows:
        by_day.setdefault(row.at.astimezone(UTC).date(), []).append(row.score)
    return CsatReport(
        start=start,
        end=end,
        ratings=len(rows),
        average=_mean([r.score for r in rows]),
        days=[
            CsatDay(day=d, ratings=len(s), average=_mean(s), satisfied=sum(1 for x in s if x >= 4))
            for d, s in sorted(by_day.items())
        ],
        items=[
            Rating(
                ticket_id=r.ticket_id,
                conversation_id=r.conversation_id,
                score=r.score,
                comment=r.comment,
                at=r.at,
                assignee=r.assignee,
            )
            for r in rows
        ],
    )
