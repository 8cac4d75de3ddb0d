"""The billing API: what a conversation cost, reports over a period, usage, the invoice preview, and the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from litestar import Controller, Response, get, put
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter

from libs.platform.http import Runtime, TenantId
from libs.platform.periods import ReportDays, ReportStart, report_period
from services.billing import analytics, reports, service
from services.billing.booking import LedgerEntry, month_of
from services.billing.plans import Plan
from services.billing.repository import LedgerRepository, PlanRepository
from services.billing.schemas import (
    ConversationCost,
    ConversationFactsList,
    CostReport,
    DailyReport,
    InvoicePreview,
    LedgerLine,
    MonthlyUsage,
    PlanChange,
    PlanLimits,
    TenantPlanView,
)

Month = Annotated[
    str | None,
    QueryParameter(pattern=r"^(?!0000)\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (year 0001+); default: now"),
]

DOLLARS = r"^\d{1,12}(\.\d{1,12})?$"
"""A dollar amount of a query, 0 or more, as a decimal (``0.25``)."""
MinUsd = Annotated[str | None, QueryParameter(pattern=DOLLARS, description="dollars, inclusive (a decimal: 0.25)")]
MaxUsd = Annotated[str | None, QueryParameter(pattern=DOLLARS, description="dollars, exclusive (a decimal: 0.25)")]


def _invalid(field: str, message: str) -> ValidationException:
    return ValidationException(message, extra=[{"key": field, "message": message}])


def _plan_view(plan: Plan, behaviour: str, message: str | None) -> TenantPlanView:
    return TenantPlanView(
        plan=PlanLimits(
            name=plan.name,
            monthly_fee_usd=plan.monthly_fee,
            included_conversations=plan.included_conversations,
            overage_per_conversation_usd=plan.overage_per_conversation,
            per_ai_resolution_usd=plan.per_ai_resolution,
            soft_limit=plan.soft_limit,
            hard_limit=plan.hard_limit,
        ),
        over_limit_behaviour=behaviour,
        refusal_message=message,
    )


def _ledger_line(entry: LedgerEntry) -> LedgerLine:
    return LedgerLine(
        event_id=entry.event_id,
        kind=entry.kind,
        turn_id=entry.turn_id,
        provider=entry.provider,
        model=entry.model,
        tool=entry.tool,
        outcome=entry.outcome,
        error_kind=entry.error_kind,
        discarded=entry.discarded,
        input_tokens=entry.input_tokens,
        output_tokens=entry.output_tokens,
        cache_read_tokens=entry.cache_read_tokens,
        cache_write_tokens=entry.cache_write_tokens,
        cost_usd=entry.cost_usd,
        priced_from=entry.priced_from,
        occurred_at=entry.occurred_at,
    )


class BillingController(Controller):
    path = "/v1/billing"

    @get("/conversations/{conversation_id:str}/cost")
    async def conversation_cost(
        self, tenant_id: TenantId, conversation_id: FromPath[str], runtime: Runtime
    ) -> ConversationCost:
        """Every ledger entry of one conversation and their exact total."""
        async with runtime.db.session() as session:
            rows = await LedgerRepository(session).conversation_entries(tenant_id, conversation_id)
        if not rows:
            raise NotFoundException(f"no usage recorded for conversation {conversation_id}")
        return ConversationCost(
            conversation_id=conversation_id,
            total_usd=sum((r.cost_usd for r in rows), Decimal(0)),
            llm_calls=sum(1 for r in rows if r.kind == "llm"),
            tool_calls=sum(1 for r in rows if r.kind == "tool"),
            entries=[_ledger_line(r) for r in rows],
        )

    @get("/reports/costs")
    async def cost_report(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        first: ReportStart,
        days: ReportDays,
        top: Annotated[int, QueryParameter(ge=1, le=100)] = 10,
    ) -> CostReport:
        """Cost per conversation (mean, p50, p95, p99, max), the most expensive conversations and what made them
        expensive, cost and error rate per tool, deflection per day, cost per AI resolution, for the period."""
        start, end = report_period(first, days)
        async with runtime.db.session() as session:
            return await reports.cost_report(LedgerRepository(session), tenant_id, start, end, top)

    @get("/reports/conversations.csv", media_type="text/csv")
    async def conversations_csv(
        self, tenant_id: TenantId, runtime: Runtime, first: ReportStart, days: ReportDays
    ) -> Response[str]:
        """Cost per conversation for the period as CSV: conversation_id, cost_usd, llm_calls, tool_calls."""
        start, end = report_period(first, days)
        async with runtime.db.session() as session:
            body = await reports.conversations_csv(LedgerRepository(session), tenant_id, start, end)
        name = f"conversation-costs-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(body, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/reports/daily")
    async def daily_report(
        self, tenant_id: TenantId, runtime: Runtime, first: ReportStart, days: ReportDays
    ) -> DailyReport:
        """Day by day over the period: conversations started and the share resolved, AI resolutions and
        human-handled conversations with the deflection rate, and the day's cost."""
        start, end = report_period(first, days)
        async with runtime.db.session() as session:
            return await analytics.daily(LedgerRepository(session), tenant_id, start, end)

    @get("/reports/conversations")
    async def drill_down(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        first: ReportStart,
        days: ReportDays,
        min_usd: MinUsd = None,
        max_usd: MaxUsd = None,
        tool: Annotated[str | None, QueryParameter(max_length=64)] = None,
        model: Annotated[str | None, QueryParameter(max_length=128)] = None,
        outcome: Annotated[analytics.Outcome | None, QueryParameter()] = None,
        day: Annotated[date | None, QueryParameter(description="with outcome: the day it happened")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 500,
    ) -> ConversationFactsList:
        """The conversations behind a figure of the period, most expensive first: cost in ``[min_usd,
        max_usd)`` (a histogram bucket), those that used ``tool`` or ``model``, or those with ``outcome``
        (``started`` | ``ai_resolved`` | ``human_handled`` | ``resolved``), on ``day`` if given."""
        start, end = report_period(first, days)
        low, high = (Decimal(amount) if amount is not None else None for amount in (min_usd, max_usd))
        drill = analytics.Drill(low, high, tool, model, outcome, day, limit)
        async with runtime.db.session() as session:
            return await analytics.conversations(LedgerRepository(session), tenant_id, start, end, drill)

    @get("/usage")
    async def usage(self, tenant_id: TenantId, runtime: Runtime, month: Month = None) -> MonthlyUsage:
        """Monthly active conversations, AI resolutions, human-handled conversations and deflection rate."""
        month = month or month_of(datetime.now(UTC))
        async with runtime.db.session() as session:
            current = await service.tenant_plan(PlanRepository(session), tenant_id)
            preview = await reports.invoice_preview(LedgerRepository(session), tenant_id, month, current.plan)
        return MonthlyUsage(
            month=month,
            plan=current.plan.name,
            active_conversations=preview.active_conversations,
            soft_limit=current.plan.soft_limit,
            hard_limit=current.plan.hard_limit,
            ai_resolutions=preview.ai_resolutions,
            human_handled=preview.human_handled,
            deflection_rate=preview.deflection_rate,
        )

    @get("/invoices/preview")
    async def invoice_preview(self, tenant_id: TenantId, runtime: Runtime, month: Month = None) -> InvoicePreview:
        """What the month would be invoiced so far under the tenant's current plan."""
        month = month or month_of(datetime.now(UTC))
        async with runtime.db.session() as session:
            current = await service.tenant_plan(PlanRepository(session), tenant_id)
            return await reports.invoice_preview(LedgerRepository(session), tenant_id, month, current.plan)

    @get("/plan")
    async def get_plan(self, tenant_id: TenantId, runtime: Runtime) -> TenantPlanView:
        """The tenant's plan, its limits, and what happens to new conversations past the hard limit."""
        async with runtime.db.session() as session:
            current = await service.tenant_plan(PlanRepository(session), tenant_id)
        return _plan_view(current.plan, current.behaviour, current.refusal_message)

    @put("/plan")
    async def put_plan(self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[PlanChange]) -> TenantPlanView:
        """Choose the tenant's plan and over-limit behaviour; this month's quota is re-evaluated at once."""
        try:
            async with runtime.unit_of_work() as uow:
                current = await service.change_plan(
                    uow, tenant_id, data.plan, data.over_limit_behaviour, data.refusal_message
                )
        except service.UnknownPlan as exc:
            raise _invalid("plan", str(exc)) from exc
        return _plan_view(current.plan, current.behaviour, current.refusal_message)
