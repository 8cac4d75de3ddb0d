"""Knowledge's part in data-subject rights: nothing of a conversation is stored here. Searches are answered from
articles; ``tool_results`` keeps only tool call ids, and embeddings are of article chunks, never of conversation
text, so an erasure has nothing to redact (the service still answers, so the erasure's status is complete)."""

from __future__ import annotations

from libs.platform.outbox import UnitOfWork


async def redact(uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:  # noqa: ARG001
    return 0
