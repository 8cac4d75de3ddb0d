"""Billing's part in data-subject rights. The ledger holds ids, counts and money, never personal data, so an
erasure changes nothing here (costs stay attributable to the erased conversations and ``billing rebuild --check``
still agrees); an export lists the usage booked for the subject's conversations."""

from __future__ import annotations

from libs.platform.outbox import UnitOfWork
from libs.platform.privacy import ExportPart
from services.billing.repository import LedgerRepository


async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:  # noqa: ARG001
    return 0


async def export(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> ExportPart:
    repo = LedgerRepository(uow.session)
    usage = []
    for conversation_id in conversation_ids:
        for e in await repo.conversation_entries(tenant_id, conversation_id):
            usage.append(
                {
                    "conversation_id": e.conversation_id,
                    "kind": e.kind,
                    "model": e.model,
                    "tool": e.tool,
                    "input_tokens": e.input_tokens,
                    "output_tokens": e.output_tokens,
                    "cost_usd": format(e.cost_usd, "f"),
                    "occurred_at": e.occurred_at.isoformat(),
                }
            )
    return {"usage": usage}
