"""Every SQL statement of the knowledge service."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.knowledge.models import SEARCH_DOCUMENT, articles, tool_results

_WORD = re.compile(r"[a-z0-9]+")


class KnowledgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_article(self, **row: Any) -> None:
        await self.session.execute(articles.insert().values(**row))

    async def list_articles(self, tenant_id: str, limit: int) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(articles)
            .where(articles.c.tenant_id == tenant_id)
            .order_by(articles.c.created_at.desc())
            .limit(limit)
        )
        return [dict(r) for r in rows.mappings()]

    async def search(self, tenant_id: str, query: str, limit: int) -> list[dict[str, Any]]:
        """Published articles of this tenant matching any word of ``query``, best first (ts_rank)."""
        words = _WORD.findall(query.lower())
        if not words:
            return []
        document: ColumnElement[Any] = literal_column(SEARCH_DOCUMENT)
        # Any word may match (a question rarely shares all its words with the answer); ranking orders by overlap.
        tsquery = func.to_tsquery("english", " | ".join(words))
        rank = func.ts_rank(document, tsquery).label("score")
        rows = await self.session.execute(
            select(articles.c.article_id, articles.c.title, articles.c.body, rank)
            .where(articles.c.tenant_id == tenant_id, articles.c.status == "published", document.op("@@")(tsquery))
            .order_by(rank.desc())
            .limit(limit)
        )
        return [dict(r) for r in rows.mappings()]

    async def claim_tool_call(self, tenant_id: str, tool_call_id: str) -> bool:
        result = await self.session.execute(
            insert(tool_results)
            .values(tenant_id=tenant_id, tool_call_id=tool_call_id)
            .on_conflict_do_nothing()
            .returning(tool_results.c.tool_call_id)
        )
        return result.first() is not None
