"""Billing domain logic on the live path: book each event (see :mod:`services.billing.booking`), announce each
closed turn's usage, and enforce the tenant's plan through events. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from libs.events import Actor, Envelope, RecordedEvent, UsageRecorded
from libs.events.catalog import PlanQuotaStateChanged, QuotaExceeded, UsageAlert
from libs.events.catalog.billing import OverLimitBehaviour
from libs.platform.outbox import UnitOfWork
from services.billing.booking import book, month_of
from services.billing.plans import ALERT_THRESHOLDS_PCT, DEFAULT_REFUSAL_MESSAGE, PLANS, Plan, alert_level
from services.billing.repository import LedgerRepository, PlanRepository, TenantPlanRow

ACTOR = Actor(kind="system", id="billing")
DEFAULT_PLAN = "free"
DEFAULT_BEHAVIOUR: OverLimitBehaviour = "handoff"


@dataclass(frozen=True)
class TenantPlan:
    plan: Plan
    behaviour: OverLimitBehaviour
    refusal_message: str | None


class UnknownPlan(ValueError):
    """The plan named is not one of :data:`services.billing.plans.PLANS`."""


async def apply(uow: UnitOfWork, recorded: RecordedEvent, default_plan: str = DEFAULT_PLAN) -> None:
    """Book one conversation event; announce a closed turn and any quota threshold it crossed."""
    await apply_all(uow, [recorded], default_plan)


async def apply_all(uow: UnitOfWork, batch: list[RecordedEvent], default_plan: str = DEFAULT_PLAN) -> None:
    """Book conversation events in log order, in one unit of work (their ledger rows written together)."""
    ledger = LedgerRepository(uow.session, hold_entries=True)
    for recorded in batch:
        await _apply(uow, ledger, recorded, default_plan)
    await ledger.flush()


async def _apply(uow: UnitOfWork, ledger: LedgerRepository, recorded: RecordedEvent, default_plan: str) -> None:
    event = recorded.event
    booked = await book(ledger, recorded)
    if booked.usage is not None:
        u = booked.usage
        uow.emit(
            Envelope.new(
                UsageRecorded(
                    turn_id=u.turn_id,
                    llm_calls=u.llm_calls,
                    tool_calls=u.tool_calls,
                    input_tokens=u.input_tokens,
                    output_tokens=u.output_tokens,
                    cost_usd=u.cost_usd,
                ),
                tenant_id=event.tenant_id,
                conversation_id=event.conversation_id,
                actor=ACTOR,
                caused_by=event,
            )
        )
    if booked.newly_active_month is not None:
        await enforce_quota(uow, event.tenant_id, booked.newly_active_month, default_plan, caused_by=event)


async def tenant_plan(repo: PlanRepository, tenant_id: str, default_plan: str = DEFAULT_PLAN) -> TenantPlan:
    row = await repo.tenant_plan(tenant_id)
    if row is None:
        return TenantPlan(PLANS[default_plan], DEFAULT_BEHAVIOUR, None)
    return _plan_of(row)


def _plan_of(row: TenantPlanRow) -> TenantPlan:
    return TenantPlan(PLANS[row.plan], row.over_limit_behaviour, row.refusal_message)


async def enforce_quota(
    uow: UnitOfWork, tenant_id: str, month: str, default_plan: str, caused_by: Envelope | None = None
) -> None:
    """Announce, once per tenant and month each, the 80 %/100 % usage alerts and the hard limit, and announce the
    tenant's quota state whenever it changes."""
    plans = PlanRepository(uow.session)
    # Serialise quota decisions per tenant (replicas of billing share the consumer, and a plan may change
    # meanwhile): lock the tenant's plan row (storing the default plan on first use), then read the month.
    current = _plan_of(await plans.lock_tenant(tenant_id, default_plan, DEFAULT_BEHAVIOUR))
    plan = current.plan
    used, known = await plans.quota_standing(tenant_id, month)

    def emit(payload: UsageAlert | QuotaExceeded | PlanQuotaStateChanged) -> None:
        uow.emit(Envelope.new(payload, tenant_id=tenant_id, actor=ACTOR, caused_by=caused_by))

    for pct in ALERT_THRESHOLDS_PCT:
        level = alert_level(plan, pct)
        if (
            level is not None
            and used >= level
            and await plans.announce_threshold(tenant_id, month, f"alert_{pct}", used)
        ):
            emit(UsageAlert(month=month, plan=plan.name, threshold_pct=pct, used=used, included=plan.soft_limit or 0))
    over = plan.hard_limit is not None and used >= plan.hard_limit
    if over and plan.hard_limit is not None and await plans.announce_threshold(tenant_id, month, "hard_limit", used):
        emit(
            QuotaExceeded(
                month=month, plan=plan.name, used=used, hard_limit=plan.hard_limit, behaviour=current.behaviour
            )
        )
    state = "over_hard_limit" if over else "within_limits"
    unchanged = known is not None and (known.month, known.state, known.behaviour) == (
        month,
        state,
        current.behaviour,
    )
    # A tenant never announced is within limits by default: only a change needs announcing. A late event of an
    # earlier month never overrides the state of a later one.
    stale = known is not None and known.month > month
    if unchanged or stale or (known is None and state == "within_limits"):
        return
    await plans.set_quota_state(tenant_id, month, state, current.behaviour)
    emit(
        PlanQuotaStateChanged(
            month=month,
            plan=plan.name,
            state=state,
            behaviour=current.behaviour,
            refusal_message=(current.refusal_message or DEFAULT_REFUSAL_MESSAGE)
            if current.behaviour == "refuse"
            else None,
        )
    )


async def change_plan(
    uow: UnitOfWork,
    tenant_id: str,
    plan: str,
    behaviour: OverLimitBehaviour,
    refusal_message: str | None,
    default_plan: str = DEFAULT_PLAN,
) -> TenantPlan:
    """Store the tenant's plan and re-evaluate this month's quota with it (an upgrade can lift a block)."""
    if plan not in PLANS:
        raise UnknownPlan(f"unknown plan {plan!r}; choose one of {', '.join(PLANS)}")
    await PlanRepository(uow.session).set_plan(tenant_id, plan, behaviour, refusal_message)
    await enforce_quota(uow, tenant_id, month_of(datetime.now(UTC)), default_plan)
    return TenantPlan(PLANS[plan], behaviour, refusal_message)
