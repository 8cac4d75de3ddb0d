"""Every SQL statement of the billing service: the ledger and meters (``ledger.py``) and tenants' plans and quota
states (``plans.py``), each returning typed rows; re-exported here."""

from services.billing.repository.ledger import (
    ConversationCostRow,
    CostDriverRow,
    LedgerRepository,
    ModelStat,
    ToolStat,
)
from services.billing.repository.plans import PlanRepository, QuotaStateRow, TenantPlanRow

__all__ = [
    "ConversationCostRow",
    "CostDriverRow",
    "LedgerRepository",
    "ModelStat",
    "PlanRepository",
    "QuotaStateRow",
    "TenantPlanRow",
    "ToolStat",
]
