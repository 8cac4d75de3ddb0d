"""Knowledge domain logic: the article CMS (versions, publish, archive), indexing on publish, and the agent's
knowledge tools (``search_knowledge``, ``get_article``) whose results carry structured citations."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from libs.events import (
    SYSTEM,
    Actor,
    Envelope,
    RecordedEvent,
    ToolRequested,
    ToolSpec,
    ToolsPublished,
    new_id,
)
from libs.events.catalog.knowledge import ArticleArchived, ArticlePublished
from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall
from libs.platform.outbox import UnitOfWork
from libs.platform.runtime import ServiceRuntime
from libs.platform.sandbox_tools import DryRun
from libs.platform.tool_executor import ToolAnswer, ToolExecutor, ToolFailure
from services.knowledge.embeddings import EmbeddingProvider
from services.knowledge.indexing import index_article
from services.knowledge.repository import ArticleRow, KnowledgeRepository
from services.knowledge.retrieval import Reranker, RetrievalSettings, search

SERVICE = "knowledge"
ACTOR = Actor(kind="system", id="knowledge")
SEARCH_TOOL = ToolSpec(
    name="search_knowledge",
    description=(
        "Search the help center articles (policies, shipping, returns, how-to) for an answer. Returns the best "
        "matching sections with citations (article id, title, url/anchor); cite them in the reply."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 500},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    risk="read",
    service=SERVICE,
)
GET_ARTICLE_TOOL = ToolSpec(
    name="get_article",
    description="Read one published help center article in full, by the article_id a search result gave.",
    input_schema={
        "type": "object",
        "properties": {"article_id": {"type": "string", "minLength": 1, "maxLength": 64}},
        "required": ["article_id"],
        "additionalProperties": False,
    },
    risk="read",
    service=SERVICE,
)
TOOLS = (SEARCH_TOOL, GET_ARTICLE_TOOL)
ARTICLE_FIELDS = ("title", "body", "body_format", "tags", "locale", "status", "collection_id")
GET_ARTICLE_MAX_CHARS = 8000


class ArticleNotFound(LookupError):
    pass


class CollectionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Knowledge:
    """What the knowledge logic needs besides the unit of work: the embedding model and retrieval tuning."""

    embedder: EmbeddingProvider
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    reranker: Reranker | None = None


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Publish the knowledge tools (``search_knowledge``, ``get_article``) to the new tenant's agent."""
    uow.emit(
        Envelope.new(
            ToolsPublished(service=SERVICE, tools=TOOLS),
            tenant_id=event.tenant_id,
            actor=SYSTEM,
            caused_by=event,
        )
    )


# --- collections ---------------------------------------------------------------------------------------------------
async def add_collection(repo: KnowledgeRepository, tenant_id: str, name: str, description: str) -> str:
    collection_id = new_id("col")
    await repo.add_collection(tenant_id=tenant_id, collection_id=collection_id, name=name, description=description)
    return collection_id


# --- articles ------------------------------------------------------------------------------------------------------
async def _after_change(uow: UnitOfWork, kb: Knowledge, tenant_id: str, article: ArticleRow) -> None:
    """Make the index follow the article's status: published → (re)indexed; otherwise → not retrievable."""
    repo = KnowledgeRepository(uow.session)
    await repo.add_version(article)
    if article.status == "published":
        count = await index_article(repo, kb.embedder, tenant_id, article)
        uow.emit(
            Envelope.new(
                ArticlePublished(
                    article_id=article.article_id,
                    version=article.version,
                    title=article.title,
                    locale=article.locale,
                    chunks=count,
                ),
                tenant_id=tenant_id,
                actor=ACTOR,
            )
        )
    else:
        await repo.delete_chunks(tenant_id, article.article_id)
        if article.status == "archived":
            uow.emit(
                Envelope.new(
                    ArticleArchived(article_id=article.article_id, version=article.version),
                    tenant_id=tenant_id,
                    actor=ACTOR,
                )
            )


async def check_collection(uow: UnitOfWork, tenant_id: str, collection_id: str) -> None:
    """``CollectionNotFound`` unless the tenant has this collection."""
    if not await KnowledgeRepository(uow.session).collection_exists(tenant_id, collection_id):
        raise CollectionNotFound(collection_id)


async def create_article(
    uow: UnitOfWork,
    kb: Knowledge,
    tenant_id: str,
    *,
    title: str,
    body: str,
    body_format: str = "markdown",
    tags: list[str] | None = None,
    locale: str = "en",
    status: str = "published",
    collection_id: str | None = None,
    source_url: str | None = None,
) -> ArticleRow:
    repo = KnowledgeRepository(uow.session)
    if collection_id is not None:
        await check_collection(uow, tenant_id, collection_id)
    article = await repo.add_article(
        tenant_id=tenant_id,
        article_id=new_id("art"),
        title=title,
        body=body,
        body_format=body_format,
        tags=sorted(set(tags or [])),
        locale=locale,
        status=status,
        collection_id=collection_id,
        source_url=source_url,
        version=1,
    )
    await _after_change(uow, kb, tenant_id, article)
    return article


async def update_article(
    uow: UnitOfWork, kb: Knowledge, tenant_id: str, article_id: str, changes: dict[str, Any]
) -> ArticleRow:
    """Apply ``changes`` (a subset of the article fields) as a new version. Archived articles are gone."""
    repo = KnowledgeRepository(uow.session)
    current = await repo.get_article(tenant_id, article_id, for_update=True)
    if current is None or current.status == "archived":
        raise ArticleNotFound(article_id)
    changes = {k: v for k, v in changes.items() if v is not None and k in {*ARTICLE_FIELDS, "source_url"}}
    if "tags" in changes:
        changes["tags"] = sorted(set(changes["tags"]))
    if changes.get("collection_id") and not await repo.collection_exists(tenant_id, changes["collection_id"]):
        raise CollectionNotFound(changes["collection_id"])
    if all(getattr(current, k) == v for k, v in changes.items()):
        return current
    article = dataclasses.replace(current, **changes, version=current.version + 1)
    await repo.update_article(tenant_id, article_id, **changes, version=article.version)
    await _after_change(uow, kb, tenant_id, article)
    return article


async def archive_article(uow: UnitOfWork, kb: Knowledge, tenant_id: str, article_id: str) -> ArticleRow:
    """Delete for readers: the article leaves the index; its versions stay as history."""
    repo = KnowledgeRepository(uow.session)
    current = await repo.get_article(tenant_id, article_id, for_update=True)
    if current is None or current.status == "archived":
        raise ArticleNotFound(article_id)
    article = dataclasses.replace(current, status="archived", version=current.version + 1)
    await repo.update_article(tenant_id, article_id, status="archived", version=article.version)
    await _after_change(uow, kb, tenant_id, article)
    return article


async def reindex(uow: UnitOfWork, kb: Knowledge, tenant_id: str) -> int:
    """Re-embed the published articles whose chunks were made by another model; returns how many."""
    repo = KnowledgeRepository(uow.session)
    stale = await repo.articles_with_stale_chunks(tenant_id, kb.embedder.model)
    for article_id in stale:
        article = await repo.get_article(tenant_id, article_id, for_update=True)
        if article is None or article.status != "published":
            await repo.delete_chunks(tenant_id, article_id)
            continue
        await index_article(repo, kb.embedder, tenant_id, article)
    return len(stale)


async def published_article(
    repo: KnowledgeRepository, tenant_id: str, article_id: str, scope: Sequence[str] | None = None
) -> ArticleRow | None:
    """The article if published (and in one of the ``scope`` collections, when there is a scope)."""
    article = await repo.get_article(tenant_id, article_id)
    if article is None or article.status != "published":
        return None
    return article if scope is None or article.collection_id in scope else None


# --- the agent's tools ---------------------------------------------------------------------------------------------
async def _run_tool(
    kb: Knowledge,
    repo: KnowledgeRepository,
    tenant_id: str,
    tool: str,
    arguments: dict[str, Any],
    scope: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One knowledge tool call; ``scope``: the collections the caller's agent release may read (none: all)."""
    if tool == "search_knowledge":
        query = str(arguments.get("query", "")).strip()
        limit = int(arguments.get("limit", 5))
        hits = await search(
            repo, kb.embedder, tenant_id, query, limit=limit, settings=kb.retrieval, reranker=kb.reranker, scope=scope
        )
        results = [
            {
                "article_id": h.article_id,
                "title": h.title,
                "section": h.heading_path,
                "url": h.url,
                "anchor": h.anchor,
                "snippet": h.snippet,
                "score": h.score,
            }
            for h in hits
        ]
        summary = f"{hits[0].title}: {hits[0].snippet}" if hits else "No article matches that question."
        return {"results": results, "citations": [h.citation() for h in hits], "summary": summary}
    article_id = str(arguments.get("article_id", ""))
    article = await published_article(repo, tenant_id, article_id, scope)
    if article is None:
        raise ArticleNotFound(article_id)
    body = article.body
    citation = {"article_id": article_id, "title": article.title, "url": article.source_url, "anchor": ""}
    return {
        "article": {
            "article_id": article_id,
            "title": article.title,
            "body": body[:GET_ARTICLE_MAX_CHARS],
            "truncated": len(body) > GET_ARTICLE_MAX_CHARS,
            "body_format": article.body_format,
            "locale": article.locale,
            "tags": list(article.tags),
            "version": article.version,
        },
        "citations": [citation],
    }


def tool_executor(kb: Knowledge) -> ToolExecutor[bool]:
    """The knowledge service's tool executor (``libs.platform.tool_executor``): ``search_knowledge`` and
    ``get_article``, once per ``tool_call_id`` (the claim row commits with the answer's outbox row)."""

    async def claim(uow: UnitOfWork, event: Envelope, request: ToolRequested) -> bool | None:
        return await KnowledgeRepository(uow.session).claim_tool_call(event.tenant_id, request.tool_call_id) or None

    async def run(uow: UnitOfWork, event: Envelope, request: ToolRequested, _claimed: bool) -> ToolAnswer:
        if request.tool not in {t.name for t in TOOLS}:
            raise ToolFailure("unknown_tool", f"the knowledge service has no tool {request.tool!r}")
        try:
            repo, scope = KnowledgeRepository(uow.session), request.knowledge_collections
            result = await _run_tool(kb, repo, event.tenant_id, request.tool, request.arguments, scope)
        except ArticleNotFound as missing:
            raise ToolFailure(
                "not_found", f"no published article {missing.args[0]!r}; search first and use an article_id it returns"
            ) from missing
        return ToolAnswer(result=result)

    return ToolExecutor(SERVICE, claim, run)


def sandbox_answers(runtime: ServiceRuntime, kb: Knowledge) -> DryRun:
    """A replay's unrecorded knowledge calls (``libs/events/sandbox.py``): searched as live, in a transaction that is
    rolled back (an embedding cached meanwhile goes with it), claimed and answered on no log."""

    async def answer(call: SandboxToolCall) -> SandboxToolAnswer:
        if call.tool not in {t.name for t in TOOLS}:
            return SandboxToolAnswer(status="failed", kind="unknown_tool", message=f"no knowledge tool {call.tool!r}")
        async with runtime.db.session() as session:
            try:
                repo, scope = KnowledgeRepository(session), call.knowledge_collections
                result = await _run_tool(kb, repo, call.tenant_id, call.tool, call.arguments, scope)
            except ArticleNotFound as missing:
                return SandboxToolAnswer(status="failed", kind="not_found", message=f"no article {missing.args[0]!r}")
            finally:
                await session.rollback()
        return SandboxToolAnswer(status="completed", result=result, dry_run=False)

    return answer


async def answer_tool_call(uow: UnitOfWork, kb: Knowledge, recorded: RecordedEvent) -> bool:
    """Answer a ``tool.requested`` for one of our tools, once per ``tool_call_id``."""
    return await tool_executor(kb).execute(uow, recorded)
