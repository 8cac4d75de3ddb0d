"""The billing API: what a conversation cost, call by call."""

from __future__ import annotations

from decimal import Decimal

from litestar import Controller, get
from litestar.exceptions import NotFoundException

from libs.platform.http import Runtime, TenantId
from services.billing.repository import LedgerRepository
from services.billing.schemas import ConversationCost, LedgerLine


class BillingController(Controller):
    path = "/v1/billing"

    @get("/conversations/{conversation_id:str}/cost")
    async def conversation_cost(self, tenant_id: TenantId, conversation_id: str, runtime: Runtime) -> ConversationCost:
        """Every ledger entry of one conversation and their exact total."""
        async with runtime.db.session() as session:
            rows = await LedgerRepository(session).conversation_entries(tenant_id, conversation_id)
        if not rows:
            raise NotFoundException(f"no usage recorded for conversation {conversation_id}")
        fields = LedgerLine.model_fields
        return ConversationCost(
            conversation_id=conversation_id,
            total_usd=sum((Decimal(r["cost_usd"]) for r in rows), Decimal(0)),
            llm_calls=sum(1 for r in rows if r["kind"] == "llm"),
            tool_calls=sum(1 for r in rows if r["kind"] == "tool"),
            entries=[LedgerLine(**{k: r[k] for k in fields}) for r in rows],
        )
