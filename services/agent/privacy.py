"""The agent's part in data-subject rights: replays' diffs quote conversations' texts, so an erasure deletes those
of the erased conversations (the replay itself, its candidate and its totals stay). The agent keeps nothing else
about a conversation that is not in the log: it folds its state from the log on every turn."""

from __future__ import annotations

from libs.platform.outbox import UnitOfWork
from services.agent.repository import ReplayRepository


async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:
    if not conversation_ids:
        return 0
    return await ReplayRepository(uow.session).forget_conversations(tenant_id, list(conversation_ids))
