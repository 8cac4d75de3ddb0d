"""The knowledge API: collections, articles (versions, publish, archive), search, imports, crawls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from libs.events import new_id
from libs.platform.http import ConflictException, Runtime, TenantId
from services.knowledge import service
from services.knowledge.config import KnowledgeSettings
from services.knowledge.crawler import Crawler, CrawlJob
from services.knowledge.imports import UnreadableFile, UnsupportedType, parse_upload
from services.knowledge.repository import ArticleRow, ArticleVersionRow, KnowledgeRepository
from services.knowledge.retrieval import Hit, search
from services.knowledge.schemas import (
    Article,
    ArticleChanges,
    ArticleList,
    ArticleSummary,
    ArticleVersion,
    Collection,
    CollectionList,
    Crawl,
    Imported,
    NewArticle,
    NewCollection,
    NewCrawl,
    Reindexed,
    SearchHit,
    SearchResults,
    UploadOperation,
    VersionList,
)

Kb = NamedDependency[service.Knowledge]
Crawls = NamedDependency[Crawler]
Settings = NamedDependency[KnowledgeSettings]


def _article(row: ArticleRow) -> Article:
    return Article(
        article_id=row.article_id,
        collection_id=row.collection_id,
        title=row.title,
        body=row.body,
        body_format=row.body_format,
        tags=row.tags,
        locale=row.locale,
        status=row.status,
        version=row.version,
        source_url=row.source_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _summary(row: ArticleRow) -> ArticleSummary:
    return ArticleSummary(
        article_id=row.article_id,
        collection_id=row.collection_id,
        title=row.title,
        tags=row.tags,
        locale=row.locale,
        status=row.status,
        version=row.version,
        source_url=row.source_url,
        updated_at=row.updated_at,
    )


def _version(row: ArticleVersionRow) -> ArticleVersion:
    return ArticleVersion(
        version=row.version,
        title=row.title,
        body=row.body,
        body_format=row.body_format,
        tags=row.tags,
        locale=row.locale,
        status=row.status,
        created_at=row.created_at,
    )


def _search_hit(hit: Hit) -> SearchHit:
    return SearchHit(
        article_id=hit.article_id,
        title=hit.title,
        heading_path=hit.heading_path,
        anchor=hit.anchor,
        url=hit.url,
        snippet=hit.snippet,
        score=hit.score,
    )


def _no_collection(collection_id: str) -> str:
    """A body naming a collection the tenant does not have: what is stored decides, so 409 (not 422: the request
    is well formed) — create the collection first."""
    return f"no collection {collection_id!r}: create it first (POST /v1/knowledge/collections)"


class KnowledgeController(Controller):
    path = "/v1/knowledge"

    # --- collections ---------------------------------------------------------------------------------------------
    @post("/collections", status_code=HTTP_201_CREATED)
    async def create_collection(
        self, tenant_id: TenantId, data: JSONBody[NewCollection], runtime: Runtime
    ) -> dict[str, str]:
        """Create a collection (a section of the help center) to group articles."""
        async with runtime.unit_of_work() as uow:
            collection_id = await service.add_collection(
                KnowledgeRepository(uow.session), tenant_id, data.name, data.description
            )
        return {"collection_id": collection_id}

    @get("/collections")
    async def list_collections(self, tenant_id: TenantId, runtime: Runtime) -> CollectionList:
        """This tenant's collections."""
        async with runtime.db.session() as session:
            rows = await KnowledgeRepository(session).list_collections(tenant_id)
        return CollectionList(
            items=[
                Collection(
                    collection_id=r.collection_id, name=r.name, description=r.description, created_at=r.created_at
                )
                for r in rows
            ]
        )

    # --- articles ------------------------------------------------------------------------------------------------
    @post("/articles", status_code=HTTP_201_CREATED)
    async def create_article(
        self, tenant_id: TenantId, data: JSONBody[NewArticle], runtime: Runtime, kb: Kb
    ) -> Article:
        """Add an article (version 1); published articles are indexed and retrievable at once."""
        try:
            async with runtime.unit_of_work() as uow:
                row = await service.create_article(uow, kb, tenant_id, **data.model_dump())
        except service.CollectionNotFound as missing:
            raise ConflictException(_no_collection(str(missing))) from None
        async with runtime.db.session() as session:
            stored = await KnowledgeRepository(session).get_article(tenant_id, row.article_id)
        assert stored is not None
        return _article(stored)

    @get("/articles")
    async def list_articles(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        status: FromQuery[Literal["draft", "published", "archived"] | None] = None,
        collection_id: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
        locale: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> ArticleList:
        """This tenant's articles, most recently changed first (archived ones only with ``status=archived``)."""
        async with runtime.db.session() as session:
            rows = await KnowledgeRepository(session).list_articles(
                tenant_id, limit, status=status, collection_id=collection_id, tag=tag, locale=locale
            )
        return ArticleList(items=[_summary(r) for r in rows])

    @get("/articles/{article_id:str}")
    async def get_article(self, tenant_id: TenantId, article_id: FromPath[str], runtime: Runtime) -> Article:
        """One article (any status but archived), current version."""
        async with runtime.db.session() as session:
            row = await KnowledgeRepository(session).get_article(tenant_id, article_id)
        if row is None or row.status == "archived":
            raise NotFoundException(f"no article {article_id}")
        return _article(row)

    @patch("/articles/{article_id:str}")
    async def update_article(
        self, tenant_id: TenantId, article_id: FromPath[str], data: JSONBody[ArticleChanges], runtime: Runtime, kb: Kb
    ) -> Article:
        """Change an article; each change is a new version (``status`` draft unpublishes, published publishes)."""
        try:
            async with runtime.unit_of_work() as uow:
                row = await service.update_article(uow, kb, tenant_id, article_id, data.model_dump(exclude_none=True))
        except service.ArticleNotFound:
            raise NotFoundException(f"no article {article_id}") from None
        except service.CollectionNotFound as missing:
            raise ConflictException(_no_collection(str(missing))) from None
        return await self._current(runtime, tenant_id, row.article_id)

    @post("/articles/{article_id:str}/publish", status_code=200)
    async def publish_article(
        self, tenant_id: TenantId, article_id: FromPath[str], runtime: Runtime, kb: Kb
    ) -> Article:
        """Publish the current version (a no-op if it is published already)."""
        try:
            async with runtime.unit_of_work() as uow:
                await service.update_article(uow, kb, tenant_id, article_id, {"status": "published"})
        except service.ArticleNotFound:
            raise NotFoundException(f"no article {article_id}") from None
        return await self._current(runtime, tenant_id, article_id)

    @delete("/articles/{article_id:str}", status_code=200)
    async def archive_article(
        self, tenant_id: TenantId, article_id: FromPath[str], runtime: Runtime, kb: Kb
    ) -> Article:
        """Delete an article for readers: it is archived (out of search, the tools and the versions API)."""
        try:
            async with runtime.unit_of_work() as uow:
                row = await service.archive_article(uow, kb, tenant_id, article_id)
        except service.ArticleNotFound:
            raise NotFoundException(f"no article {article_id}") from None
        return _article(row)

    @get("/articles/{article_id:str}/versions")
    async def article_versions(self, tenant_id: TenantId, article_id: FromPath[str], runtime: Runtime) -> VersionList:
        """Every version of an article, oldest first (none once the article is deleted: its history goes with it)."""
        async with runtime.db.session() as session:
            repo = KnowledgeRepository(session)
            article = await repo.get_article(tenant_id, article_id)
            rows = await repo.list_versions(tenant_id, article_id) if article and article.status != "archived" else []
        if not rows:
            raise NotFoundException(f"no article {article_id}")
        return VersionList(
            article_id=article_id,
            items=[_version(r) for r in rows],
        )

    async def _current(self, runtime: Runtime, tenant_id: str, article_id: str) -> Article:
        async with runtime.db.session() as session:
            row = await KnowledgeRepository(session).get_article(tenant_id, article_id)
        assert row is not None
        return _article(row)

    # --- search and index ----------------------------------------------------------------------------------------
    @get("/search")
    async def search(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        kb: Kb,
        q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 10,
        mode: FromQuery[Literal["hybrid", "fulltext", "vector"]] = "hybrid",
        locale: Annotated[str | None, QueryParameter(max_length=16)] = None,
    ) -> SearchResults:
        """Hybrid search (vector + full text, reciprocal rank fusion) over this tenant's published articles."""
        async with runtime.db.session() as session, session.begin():
            hits = await search(
                KnowledgeRepository(session),
                kb.embedder,
                tenant_id,
                q,
                limit=limit,
                mode=mode,
                locale=locale,
                settings=kb.retrieval,
                reranker=kb.reranker,
            )
        return SearchResults(query=q, mode=mode, items=[_search_hit(h) for h in hits])

    @post("/reindex", status_code=200)
    async def reindex(self, tenant_id: TenantId, runtime: Runtime, kb: Kb) -> Reindexed:
        """Re-embed this tenant's articles indexed with another embedding model than the configured one."""
        async with runtime.unit_of_work() as uow:
            count = await service.reindex(uow, kb, tenant_id)
        return Reindexed(model=kb.embedder.model, articles=count)

    # --- imports -------------------------------------------------------------------------------------------------
    @post("/imports", status_code=HTTP_201_CREATED, operation_class=UploadOperation)
    async def import_file(
        self,
        tenant_id: TenantId,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        kb: Kb,
        knowledge_settings: Settings,
        filename: Annotated[str, QueryParameter(max_length=300)] = "",
        status: FromQuery[Literal["draft", "published"]] = "published",
        locale: Annotated[str, QueryParameter(pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")] = "en",
        collection_id: FromQuery[str | None] = None,
    ) -> Imported:
        """Import a file sent as the raw body: Markdown, HTML, a PDF (its text) or a CSV (``question``,``answer``
        columns: one article per row), typed by its Content-Type or, as ``application/octet-stream``, by the
        extension of ``filename``. Larger than the import limit → 413; another media type → 415; an unknown
        collection → 409. A file that cannot be read as what it is makes no article: ``problem`` says why (as a
        crawl that fails says so in its status)."""
        body = await request.body()
        if len(body) > knowledge_settings.import_max_bytes:
            raise HTTPException(
                status_code=413,
                detail=f"the file is {len(body)} bytes; imports are limited to {knowledge_settings.import_max_bytes}",
            )
        problem: str | None = None
        try:
            drafts = parse_upload(body, request.headers.get("content-type", ""), filename)
        except UnsupportedType as error:
            raise HTTPException(status_code=415, detail=str(error)) from None
        except UnreadableFile as error:
            drafts, problem = [], str(error)
        ids = []
        try:
            async with runtime.unit_of_work() as uow:
                if collection_id is not None:  # 409 whether or not the file is readable
                    await service.check_collection(uow, tenant_id, collection_id)
                for draft in drafts:
                    row = await service.create_article(
                        uow,
                        kb,
                        tenant_id,
                        title=draft.title,
                        body=draft.body,
                        body_format=draft.body_format,
                        locale=locale,
                        status=status,
                        collection_id=collection_id,
                    )
                    ids.append(row.article_id)
        except service.CollectionNotFound as missing:
            raise ConflictException(_no_collection(str(missing))) from None
        return Imported(article_ids=ids, problem=problem)

    # --- crawls --------------------------------------------------------------------------------------------------
    @post("/crawls", status_code=HTTP_202_ACCEPTED)
    async def start_crawl(
        self,
        tenant_id: TenantId,
        data: JSONBody[NewCrawl],
        runtime: Runtime,
        crawler: Crawls,
    ) -> Crawl:
        """Start crawling a website in the background; follow it with ``GET /crawls/{crawl_id}``. A host that does
        not resolve, or resolves to a private address, fails the crawl (``status`` failed, ``error`` says why):
        what the network answers is the crawl's outcome, not the request's shape."""
        url = data.url
        crawl_id = new_id("crawl")
        async with runtime.unit_of_work() as uow:
            await KnowledgeRepository(uow.session).add_crawl(
                tenant_id=tenant_id,
                crawl_id=crawl_id,
                root_url=url,
                status="queued",
                max_depth=data.max_depth,
                max_pages=data.max_pages,
            )
        crawler.start(CrawlJob(tenant_id, crawl_id, url, data.max_depth, data.max_pages, data.locale))
        return await _crawl(runtime, tenant_id, crawl_id)

    @get("/crawls/{crawl_id:str}")
    async def crawl_status(self, tenant_id: TenantId, crawl_id: FromPath[str], runtime: Runtime) -> Crawl:
        """A crawl's status and counters: pages found, fetched, indexed, unchanged, failed."""
        return await _crawl(runtime, tenant_id, crawl_id)


async def _crawl(runtime: Runtime, tenant_id: str, crawl_id: str) -> Crawl:
    async with runtime.db.session() as session:
        row = await KnowledgeRepository(session).get_crawl(tenant_id, crawl_id)
    if row is None:
        raise NotFoundException(f"no crawl {crawl_id}")
    return Crawl(
        crawl_id=row.crawl_id,
        root_url=row.root_url,
        status=row.status,
        max_depth=row.max_depth,
        max_pages=row.max_pages,
        pages_found=row.pages_found,
        pages_fetched=row.pages_fetched,
        pages_indexed=row.pages_indexed,
        pages_unchanged=row.pages_unchanged,
        pages_failed=row.pages_failed,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
