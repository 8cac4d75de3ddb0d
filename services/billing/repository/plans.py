"""Tenants' plans, and the usage thresholds and quota states already announced: their SQL and rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events.catalog.billing import OverLimitBehaviour
from services.billing.models import active_conversations, quota_state, tenant_plans, usage_thresholds


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

    async def lock_tenant(self, tenant_id: str, plan: str, behaviour: str) -> TenantPlanRow:
        """The tenant's plan row, locked: quota decisions for one tenant run one at a time. A tenant without one gets
        ``plan`` stored first; one that has one (every tenant after its first conversation) costs one statement."""
        if (row := await self.tenant_plan(tenant_id, for_update=True)) is not None:
            return row
        await self.session.execute(
            insert(tenant_plans)
            .values(tenant_id=tenant_id, plan=plan, over_limit_behaviour=behaviour)
            .on_conflict_do_nothing()
        )
        row = await self.tenant_plan(tenant_id, for_update=True)
        assert row is not None, "a plan row inserted or kept in this transaction"
        return row

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

    async def quota_standing(self, tenant_id: str, month: str) -> tuple[int, QuotaStateRow | None]:
        """The tenant's active conversations in ``month`` and the quota state last announced, in one statement. Read
        after :meth:`lock_tenant`, in a statement of its own, so that it sees what the lock waited for."""
        active = active_conversations.c
        used = select(func.count()).where(active.tenant_id == tenant_id, active.month == month).scalar_subquery()
        one = select(literal_column("1").label("one")).subquery("one")
        query = select(used.label("used"), quota_state).select_from(
            one.outerjoin(quota_state, quota_state.c.tenant_id == tenant_id)
        )
        row = (await self.session.execute(query)).mappings().one()
        return int(row["used"]), QuotaStateRow.from_row(row) if row["tenant_id"] is not None else None

    async def set_quota_state(self, tenant_id: str, month: str, state: str, behaviour: str) -> None:
        values = {"month": month, "state": state, "behaviour": behaviour}
        await self.session.execute(
            insert(quota_state)
            .values(tenant_id=tenant_id, **values)
            .on_conflict_do_update(index_elements=[quota_state.c.tenant_id], set_={**values, "updated_at": func.now()})
        )
