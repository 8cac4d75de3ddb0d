"""Plans as data: what a tenant pays for and where its limits are.

Usage alerts fire at 80 % and 100 % of the soft limit; past the hard limit new conversations follow the tenant's
over-limit behaviour (``handoff``: straight to a human; ``refuse``: refused with the tenant's message). A limit of
``None`` means unlimited. Add a plan here; a tenant's choice is stored in ``tenant_plans``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ALERT_THRESHOLDS_PCT = (80, 100)
DEFAULT_REFUSAL_MESSAGE = (
    "We can't start a new conversation right now because this support desk has reached its monthly limit. "
    "Please try again later or contact us by email."
)


@dataclass(frozen=True)
class Plan:
    name: str
    monthly_fee: Decimal
    included_conversations: int | None
    overage_per_conversation: Decimal
    per_ai_resolution: Decimal
    soft_limit: int | None
    hard_limit: int | None


PLANS: dict[str, Plan] = {
    p.name: p
    for p in (
        Plan("free", Decimal(0), 50, Decimal(0), Decimal(0), soft_limit=50, hard_limit=50),
        Plan("pro", Decimal(99), 1000, Decimal("0.40"), Decimal("0.50"), soft_limit=1000, hard_limit=5000),
        Plan("enterprise", Decimal(0), 10000, Decimal("0.25"), Decimal("0.30"), soft_limit=10000, hard_limit=None),
    )
}


def alert_level(plan: Plan, pct: int) -> int | None:
    """The count of monthly active conversations at which the ``pct`` % alert fires (rounded up)."""
    if plan.soft_limit is None or plan.soft_limit <= 0:
        return None
    return max(1, -(-plan.soft_limit * pct // 100))
