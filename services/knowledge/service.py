"""Knowledge domain logic: articles, full-text search, and the ``search_knowledge`` tool for the agent."""

from __future__ import annotations

import time

from libs.events import (
    SYSTEM,
    Actor,
    Envelope,
    RecordedEvent,
    ToolCompleted,
    ToolRequested,
    ToolSpec,
    ToolsPublished,
    new_id,
)
from libs.platform.outbox import UnitOfWork
from services.knowledge.repository import KnowledgeRepository

SERVICE = "knowledge"
ACTOR = Actor(kind="system", id="knowledge")
SEARCH_TOOL = ToolSpec(
    name="search_knowledge",
    description="Search the help center articles (policies, shipping, returns, how-to) for an answer.",
    input_schema={
        "type": "object",
        "properties": {"query": {"type": "string", "minLength": 1, "maxLength": 500}},
        "required": ["query"],
        "additionalProperties": False,
    },
    risk="read",
    service=SERVICE,
)


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    uow.emit(
        Envelope.new(
            ToolsPublished(service=SERVICE, tools=(SEARCH_TOOL,)),
            tenant_id=event.tenant_id,
            actor=SYSTEM,
            caused_by=event,
        )
    )


async def add_article(repo: KnowledgeRepository, tenant_id: str, title: str, body: str, status: str) -> str:
    article_id = new_id("art")
    await repo.add_article(tenant_id=tenant_id, article_id=article_id, title=title, body=body, status=status)
    return article_id


async def answer_tool_call(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    event, request = recorded.event, recorded.event.payload
    assert isinstance(request, ToolRequested)
    assert event.conversation_id is not None
    if request.service != SERVICE:
        return False
    repo = KnowledgeRepository(uow.session)
    if not await repo.claim_tool_call(event.tenant_id, request.tool_call_id):
        return False
    started = time.perf_counter()
    hits = await repo.search(event.tenant_id, str(request.arguments.get("query", "")), limit=5)
    results = [
        {
            "article_id": h["article_id"],
            "title": h["title"],
            "snippet": h["body"][:400],
            "score": round(float(h["score"]), 4),
        }
        for h in hits
    ]
    summary = " ".join(f"{h['title']}: {h['body'][:300]}" for h in hits[:1]) or "No article matches that question."
    uow.emit(
        Envelope.new(
            ToolCompleted(
                turn_id=request.turn_id,
                tool_call_id=request.tool_call_id,
                tool=request.tool,
                result={"results": results, "summary": summary},
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
            ),
            tenant_id=event.tenant_id,
            conversation_id=event.conversation_id,
            actor=ACTOR,
            caused_by=event,
        )
    )
    return True
