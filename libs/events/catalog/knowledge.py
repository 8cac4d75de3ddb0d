"""The knowledge base: article lifecycle and website crawls (tenant-wide facts)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Scope


class ArticlePublished(EventPayload):
    """A knowledge-base article version became retrievable (search and the knowledge tools see it)."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("knowledge",)
    type: Literal["article.published"] = "article.published"
    article_id: str
    version: int = Field(ge=1)
    title: str
    locale: str
    chunks: int = Field(ge=0, description="number of indexed chunks of this version")


class ArticleArchived(EventPayload):
    """A knowledge-base article was archived (deleted for readers): it is no longer retrievable."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("knowledge",)
    type: Literal["article.archived"] = "article.archived"
    article_id: str
    version: int = Field(ge=1)


class CrawlProgressed(EventPayload):
    """A website crawl advanced or finished; the counters are cumulative for the crawl."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("knowledge",)
    type: Literal["crawl.progressed"] = "crawl.progressed"
    crawl_id: str
    status: Literal["running", "completed", "failed"]
    pages_found: int = Field(ge=0)
    pages_fetched: int = Field(ge=0)
    pages_indexed: int = Field(ge=0)
    pages_unchanged: int = Field(ge=0)
    pages_failed: int = Field(ge=0)
