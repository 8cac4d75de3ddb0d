"""The period of a report: its first day and how many days it covers, in the query (``?from=2026-10-01&days=92``).

One way to say it, which the contract states whole: ``from`` a date, ``days`` 1 to 366. A period given by two dates
had rules across its fields (the end after the start, at most 366 days apart) that no schema states, so a client
reading the contract could send one that was refused.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from litestar.params import QueryParameter

MAX_DAYS = 366

ReportStart = Annotated[date, QueryParameter(name="from", description="the period's first day (UTC)")]
ReportDays = Annotated[
    int, QueryParameter(ge=1, le=MAX_DAYS, description="how many days the period covers, from `from` on (1-366)")
]


def report_period(start: date, days: int) -> tuple[date, date]:
    """``[start, end)``: ``days`` days from ``start``; a period reaching past the calendar's last day
    (9999-12-31) stops there."""
    if date.max.toordinal() - start.toordinal() < days:
        return start, date.max
    return start, start + timedelta(days=days)
