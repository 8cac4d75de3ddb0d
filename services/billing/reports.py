"""Reports over a period: cost per conversation and its distribution, what the most expensive conversations spent
on, cost and error rate per tool, deflection over time, cost per AI resolution, and the invoice preview.

Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7: numpy's default, PostgreSQL's
``percentile_cont``, ``statistics.quantiles(method="inclusive")``), computed in exact decimals; every amount is
rounded half-even to the ledger's ten decimal places.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from services.billing.booking import ConversationMeter, money
from services.billing.plans import Plan
from services.billing.repository import LedgerRepository
from services.billing.schemas import (
    CostDistribution,
    CostDriver,
    CostReport,
    DeflectionDay,
    ExpensiveConversation,
    InvoiceLine,
    InvoicePreview,
    ModelCost,
    ToolCost,
)


def percentile(sorted_values: Sequence[Decimal], q: Decimal) -> Decimal:
    """The ``q``-quantile (0 ≤ q ≤ 1) of ascending values, by linear interpolation between closest ranks."""
    if not sorted_values:
        raise ValueError("no values")
    rank = (len(sorted_values) - 1) * q
    low = int(rank)
    if low + 1 >= len(sorted_values):
        return money(sorted_values[-1])
    fraction = rank - low
    return money(sorted_values[low] + (sorted_values[low + 1] - sorted_values[low]) * fraction)


def distribution(costs: Sequence[Decimal]) -> CostDistribution:
    values = sorted(costs)
    if not values:
        return CostDistribution(conversations=0, total_usd=Decimal(0))
    total = sum(values, Decimal(0))
    return CostDistribution(
        conversations=len(values),
        total_usd=money(total),
        mean_usd=money(total / len(values)),
        p50_usd=percentile(values, Decimal("0.50")),
        p95_usd=percentile(values, Decimal("0.95")),
        p99_usd=percentile(values, Decimal("0.99")),
        max_usd=money(values[-1]),
    )


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start, end)`` as UTC instants (``end`` exclusive)."""
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, mon = int(month[:4]), int(month[5:7])
    nxt = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1, tzinfo=UTC), datetime(nxt[0], nxt[1], 1, tzinfo=UTC)


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


@dataclass(frozen=True)
class Outcomes:
    ai_resolved: set[str]
    human_handled: set[str]
    by_day: list[DeflectionDay]


def outcomes(meters: Sequence[ConversationMeter], start: datetime, end: datetime) -> Outcomes:
    """AI resolutions (resolved by the AI, no human involved) and human-handled conversations (handed off, or
    resolved by a human), each counted on the day it happened, within ``[start, end)``."""
    ai: dict[date, set[str]] = defaultdict(set)
    human: dict[date, set[str]] = defaultdict(set)
    for m in meters:
        if m.ai_resolution and m.resolved_at is not None and start <= m.resolved_at < end:
            ai[m.resolved_at.astimezone(UTC).date()].add(m.conversation_id)
        human_at = m.human_involved_at or (m.resolved_at if m.resolved_by == "human" else None)
        if human_at is not None and start <= human_at < end:
            human[human_at.astimezone(UTC).date()].add(m.conversation_id)
    days = sorted(set(ai) | set(human))
    by_day = [
        DeflectionDay(
            day=d,
            ai_resolutions=len(ai[d]),
            human_handled=len(human[d]),
            deflection_rate=rate(len(ai[d]), len(ai[d]) + len(human[d])),
        )
        for d in days
    ]
    return Outcomes(set().union(*ai.values()), set().union(*human.values()), by_day)


async def model_costs(repo: LedgerRepository, tenant_id: str, lo: datetime, hi: datetime) -> list[ModelCost]:
    """Model calls per provider and model in ``[lo, hi)``, most expensive first."""
    return [
        ModelCost(
            provider=r.provider or "",
            model=r.model or "",
            calls=r.calls,
            input_tokens=r.input_tokens,
            output_tokens=r.output_tokens,
            cost_usd=money(r.cost_usd),
        )
        for r in await repo.model_stats(tenant_id, lo, hi)
    ]


async def cost_report(repo: LedgerRepository, tenant_id: str, start: date, end: date, top: int = 10) -> CostReport:
    lo, hi = bounds(start, end)
    per_conversation = await repo.conversation_costs(tenant_id, lo, hi)
    expensive = per_conversation[:top]
    drivers: dict[str, list[CostDriver]] = defaultdict(list)
    for row in await repo.cost_drivers(tenant_id, [r.conversation_id for r in expensive], lo, hi):
        drivers[row.conversation_id].append(
            CostDriver(
                kind=row.kind,
                name=row.name or "",
                calls=row.calls,
                failures=row.failures,
                input_tokens=row.input_tokens,
                output_tokens=row.output_tokens,
                cost_usd=money(row.cost_usd),
            )
        )
    tools = [
        ToolCost(
            tool=r.tool or "",
            calls=r.calls,
            failures=r.failures,
            error_rate=rate(r.failures, r.calls) or Decimal(0),
            cost_usd=money(r.cost_usd),
        )
        for r in await repo.tool_stats(tenant_id, lo, hi)
    ]
    models = await model_costs(repo, tenant_id, lo, hi)
    done = outcomes(await repo.outcomes(tenant_id, lo, hi), lo, hi)
    ai_cost = await repo.total_cost(tenant_id, sorted(done.ai_resolved)) if done.ai_resolved else Decimal(0)
    n_ai, n_human = len(done.ai_resolved), len(done.human_handled)
    return CostReport(
        start=start,
        end=end,
        cost_per_conversation=distribution([r.cost_usd for r in per_conversation]),
        most_expensive=[
            ExpensiveConversation(
                conversation_id=r.conversation_id,
                cost_usd=money(r.cost_usd),
                llm_calls=r.llm_calls,
                tool_calls=r.tool_calls,
                drivers=drivers[r.conversation_id],
            )
            for r in expensive
        ],
        tools=tools,
        models=models,
        ai_resolutions=n_ai,
        human_handled=n_human,
        deflection_rate=rate(n_ai, n_ai + n_human),
        deflection_by_day=done.by_day,
        cost_per_ai_resolution_usd=money(ai_cost / n_ai) if n_ai else None,
    )


async def conversations_csv(repo: LedgerRepository, tenant_id: str, start: date, end: date) -> str:
    lo, hi = bounds(start, end)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["conversation_id", "cost_usd", "llm_calls", "tool_calls"])
    for r in await repo.conversation_costs(tenant_id, lo, hi):
        writer.writerow([r.conversation_id, format(money(r.cost_usd), "f"), r.llm_calls, r.tool_calls])
    return out.getvalue()


async def invoice_preview(repo: LedgerRepository, tenant_id: str, month: str, plan: Plan) -> InvoicePreview:
    """What the tenant would be invoiced for ``month`` so far: plan fee, overage, AI resolutions."""
    lo, hi = month_bounds(month)
    active = await repo.active_count(tenant_id, month)
    done = outcomes(await repo.outcomes(tenant_id, lo, hi), lo, hi)
    included = plan.included_conversations
    overage = max(0, active - included) if included is not None else 0
    lines = [
        InvoiceLine(description=f"{plan.name} plan, monthly fee", quantity=1, unit_price_usd=plan.monthly_fee),
        InvoiceLine(
            description=f"active conversations beyond the {included} included",
            quantity=overage,
            unit_price_usd=plan.overage_per_conversation,
        ),
        InvoiceLine(
            description="AI resolutions", quantity=len(done.ai_resolved), unit_price_usd=plan.per_ai_resolution
        ),
    ]
    return InvoicePreview(
        month=month,
        plan=plan.name,
        active_conversations=active,
        included_conversations=included,
        ai_resolutions=len(done.ai_resolved),
        human_handled=len(done.human_handled),
        deflection_rate=rate(len(done.ai_resolved), len(done.ai_resolved) + len(done.human_handled)),
        lines=lines,
        total_usd=money(sum((line.amount_usd for line in lines), Decimal(0))),
        cost_of_service_usd=await repo.period_cost(tenant_id, lo, hi),
    )
