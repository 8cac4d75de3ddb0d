"""Tenants' plans, and the usage thresholds and quota states already announced: their SQL and rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events.catalog.billing import OverLimitBehaviour
from services.billing.models import quota_state, tenant_plans, usage_thresholds


@dataclass(frozen=True)
class TenantPlanRow:
    tenant_id: str
    plan: str
    over_limit_behaviour: OverLimitBehaviour
    refusal_message: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> TenantPlanRow:
        return cls(
            tenant_id=row["tenant_id"],
            plan=row["plan"],
            over_limit_behaviour=row["over_limit_behaviour"],
            refusal_message=row["refusal_message"],
        )


@dataclass(frozen=True)
class QuotaStateRow:
    """The quota state last announced for a tenant."""

    tenant_id: str
    month: str  # YYYY-MM
    state: str  # within_limits | over_hard_limit
    behaviour: str

    @classmethod
    def from_row(cls, row: RowMapping) -> QuotaStateRow:
        return cls(tenant_id=row["tenant_id"], month=row["month"], state=row["state"], behaviour=row["behaviour"])


class PlanRepository:
    """Tenants' plan choices, and the thresholds and quota states already announced."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tenant_plan(self, tenant_id: str, *, for_update: bool = False) -> TenantPlanRow | None:
        query = select(tenant_plans).where(tenant_plans.c.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return TenantPlanRow.from_row(row) if row else None

    async def lock_tenant(self, tenant_id: str, plan: str, behaviour: str) -> None:
        """Make sure the tenant has a plan row and lock it: quota decisions for one tenant run one at a time."""
        await self.session.execute(
            insert(tenant_plans)
            .values(tenant_id=tenant_id, plan=plan, over_limit_behaviour=behaviour)
            .on_conflict_do_nothing()
        )
        await self.tenant_plan(tenant_id, for_update=True)

    async def set_plan(self, tenant_id: str, plan: str, behaviour: str, refusal_message: str | None) -> None:
        values = {"plan": plan, "over_limit_behaviour": behaviour, "refusal_message": refusal_message}
        await self.session.execute(
            insert(tenant_plans)
            .values(tenant_id=tenant_id, **values)
            .on_conflict_do_update(index_elements=[tenant_plans.c.tenant_id], set_={**values, "updated_at": func.now()})
        )

    async def announce_threshold(self, tenant_id: str, month: str, threshold: str, used: int) -> bool:
        """Record that ``threshold`` was announced for the month; False if it already was."""
        result = await self.session.execute(
            insert(usage_thresholds)
            .values(tenant_id=tenant_id, month=month, threshold=threshold, used=used)
            .on_conflict_do_nothing()
            .returning(usage_thresholds.c.threshold)
        )
        return result.first() is not None

    async def quota_state(self, tenant_id: str) -> QuotaStateRow | None:
        query = select(quota_state).where(quota_state.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return QuotaStateRow.from_row(row) if row else None

    async def set_quota_state(self, tenant_id: str, month: str, state: str, behaviour: str) -> None:
        values = {"month": month, "state": state, "behaviour": behaviour}
        await self.session.execute(
            insert(quota_state)
            .values(tenant_id=tenant_id, **values)
            .on_conflict_do_update(index_elements=[quota_state.c.tenant_id], set_={**values, "updated_at": func.now()})
        )
