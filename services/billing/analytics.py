"""Series and drill-downs for analytics pages: day by day, and the conversations behind any figure (a histogram
bucket of cost, a tool, a model, a day's resolutions or handoffs). Same ledger and meters as the reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from services.billing.booking import ConversationMeter, money
from services.billing.reports import bounds, outcomes, rate
from services.billing.repository import LedgerRepository
from services.billing.schemas import ConversationFacts, ConversationFactsList, DailyPoint, DailyReport

Outcome = Literal["started", "ai_resolved", "human_handled", "resolved"]


def _day(at: datetime | None) -> date | None:
    return at.astimezone(UTC).date() if at is not None else None


async def daily(repo: LedgerRepository, tenant_id: str, start: date, end: date) -> DailyReport:
    """Every day of ``[start, end)``: conversations started and how many are resolved, AI resolutions and
    human-handled conversations (deflection), and the ledger's cost."""
    lo, hi = bounds(start, end)
    meters = await repo.meters_in(tenant_id, lo, hi)
    started: dict[date, list[ConversationMeter]] = defaultdict(list)
    for m in meters:
        d = _day(m.first_message_at)
        if d is not None and start <= d < end:
            started[d].append(m)
    by_day = {d.day: d for d in outcomes(meters, lo, hi).by_day}
    costs = await repo.daily_costs(tenant_id, lo, hi)
    days = []
    for i in range((end - start).days):
        d = start + timedelta(days=i)
        cohort = started.get(d, [])
        resolved = sum(1 for m in cohort if m.resolved_at is not None)
        outcome = by_day.get(d)
        ai, human = (outcome.ai_resolutions, outcome.human_handled) if outcome else (0, 0)
        days.append(
            DailyPoint(
                day=d,
                conversations=len(cohort),
                resolved=resolved,
                resolution_rate=rate(resolved, len(cohort)),
                ai_resolutions=ai,
                human_handled=human,
                deflection_rate=rate(ai, ai + human),
                cost_usd=money(costs.get(d, Decimal(0))),
            )
        )
    return DailyReport(start=start, end=end, days=days)


@dataclass(frozen=True)
class Drill:
    """Which conversations a figure stands for; every criterion given must hold."""

    min_usd: Decimal | None = None
    max_usd: Decimal | None = None  # exclusive
    tool: str | None = None
    model: str | None = None
    outcome: Outcome | None = None
    day: date | None = None
    limit: int = 500


def _matches_outcome(m: ConversationMeter | None, outcome: Outcome, day: date | None) -> bool:
    if m is None:
        return False
    if outcome == "started":
        at = m.first_message_at
    elif outcome == "ai_resolved":
        at = m.resolved_at if m.ai_resolution else None
    elif outcome == "human_handled":
        at = m.human_involved_at or (m.resolved_at if m.resolved_by == "human" else None)
    else:
        at = m.resolved_at
    return at is not None and (day is None or _day(at) == day)


async def conversations(
    repo: LedgerRepository, tenant_id: str, start: date, end: date, drill: Drill
) -> ConversationFactsList:
    """The conversations of ``[start, end)`` (a ledger entry, a first message, a handoff or a resolution in it)
    that match ``drill``, most expensive first."""
    lo, hi = bounds(start, end)
    costs = {r.conversation_id: r for r in await repo.conversation_costs(tenant_id, lo, hi)}
    meters = {m.conversation_id: m for m in await repo.meters_in(tenant_id, lo, hi)}
    using = None
    if drill.tool is not None or drill.model is not None:
        using = await repo.conversations_using(tenant_id, lo, hi, tool=drill.tool, model=drill.model)
    found: list[ConversationFacts] = []
    for cid in set(costs) | set(meters):
        row, m = costs.get(cid), meters.get(cid)
        cost = money(Decimal(row.cost_usd)) if row else Decimal(0)
        if drill.min_usd is not None and cost < drill.min_usd:
            continue
        if drill.max_usd is not None and cost >= drill.max_usd:
            continue
        if using is not None and cid not in using:
            continue
        if drill.outcome is not None and not _matches_outcome(m, drill.outcome, drill.day):
            continue
        found.append(
            ConversationFacts(
                conversation_id=cid,
                cost_usd=cost,
                llm_calls=row.llm_calls if row else 0,
                tool_calls=row.tool_calls if row else 0,
                first_message_at=m.first_message_at if m else None,
                human_involved_at=m.human_involved_at if m else None,
                resolved_by=m.resolved_by if m else None,
                resolved_at=m.resolved_at if m else None,
                ai_resolution=m.ai_resolution if m else False,
            )
        )
    found.sort(key=lambda f: (-f.cost_usd, f.conversation_id))
    return ConversationFactsList(items=found[: drill.limit], total=len(found))
