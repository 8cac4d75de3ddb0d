"""The knowledge API: articles and search."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from libs.platform.http import Runtime, TenantId
from services.knowledge import service
from services.knowledge.repository import KnowledgeRepository
from services.knowledge.schemas import Article, ArticleList, NewArticle, SearchHit, SearchResults


class KnowledgeController(Controller):
    path = "/v1/knowledge"

    @post("/articles", status_code=HTTP_201_CREATED)
    async def create_article(self, tenant_id: TenantId, data: NewArticle, runtime: Runtime) -> dict[str, str]:
        """Add an article (published by default)."""
        async with runtime.unit_of_work() as uow:
            article_id = await service.add_article(
                KnowledgeRepository(uow.session), tenant_id, data.title, data.body, data.status
            )
        return {"article_id": article_id}

    @get("/articles")
    async def list_articles(
        self, tenant_id: TenantId, runtime: Runtime, limit: int = Parameter(default=50, ge=1, le=500)
    ) -> ArticleList:
        """This tenant's articles, newest first."""
        async with runtime.db.session() as session:
            rows = await KnowledgeRepository(session).list_articles(tenant_id, limit)
        return ArticleList(items=[Article(**{k: r[k] for k in Article.model_fields}) for r in rows])

    @get("/search")
    async def search(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        q: str = Parameter(min_length=1, max_length=500),
        limit: int = Parameter(default=10, ge=1, le=50),
    ) -> SearchResults:
        """Full-text search over this tenant's published articles."""
        async with runtime.db.session() as session:
            hits = await KnowledgeRepository(session).search(tenant_id, q, limit)
        return SearchResults(
            query=q,
            items=[
                SearchHit(
                    article_id=h["article_id"], title=h["title"], snippet=h["body"][:400], score=float(h["score"])
                )
                for h in hits
            ],
        )
