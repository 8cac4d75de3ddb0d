"""What the knowledge repository returns: one frozen dataclass per row type, each read by its ``from_row``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping


@dataclass(frozen=True)
class CollectionRow:
    tenant_id: str
    collection_id: str
    name: str
    description: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> CollectionRow:
        return cls(
            tenant_id=row["tenant_id"],
            collection_id=row["collection_id"],
            name=row["name"],
            description=row["description"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class ArticleRow:
    """An article's current version."""

    tenant_id: str
    article_id: str
    collection_id: str | None
    title: str
    body: str
    body_format: str  # markdown | html
    tags: list[str]
    locale: str
    status: str  # draft | published | archived
    version: int
    source_url: str | None  # crawled or imported from
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ArticleRow:
        return cls(
            tenant_id=row["tenant_id"],
            article_id=row["article_id"],
            collection_id=row["collection_id"],
            title=row["title"],
            body=row["body"],
            body_format=row["body_format"],
            tags=list(row["tags"]),
            locale=row["locale"],
            status=row["status"],
            version=row["version"],
            source_url=row["source_url"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class ArticleVersionRow:
    tenant_id: str
    article_id: str
    version: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    locale: str
    status: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ArticleVersionRow:
        return cls(
            tenant_id=row["tenant_id"],
            article_id=row["article_id"],
            version=row["version"],
            title=row["title"],
            body=row["body"],
            body_format=row["body_format"],
            tags=list(row["tags"]),
            locale=row["locale"],
            status=row["status"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class ChunkHit:
    """A chunk a retriever found, with its score (``ts_rank`` for full text, 1 - cosine distance for vectors)."""

    article_id: str
    ordinal: int
    title: str
    heading_path: str
    anchor: str
    url: str | None
    text: str
    score: float

    @classmethod
    def from_row(cls, row: RowMapping, score: float) -> ChunkHit:
        return cls(
            article_id=row["article_id"],
            ordinal=row["ordinal"],
            title=row["title"],
            heading_path=row["heading_path"],
            anchor=row["anchor"],
            url=row["url"],
            text=row["text"],
            score=score,
        )


@dataclass(frozen=True)
class CrawlRow:
    tenant_id: str
    crawl_id: str
    root_url: str
    status: str  # queued | running | completed | failed
    max_depth: int
    max_pages: int
    pages_found: int
    pages_fetched: int
    pages_indexed: int
    pages_unchanged: int
    pages_failed: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> CrawlRow:
        return cls(
            tenant_id=row["tenant_id"],
            crawl_id=row["crawl_id"],
            root_url=row["root_url"],
            status=row["status"],
            max_depth=row["max_depth"],
            max_pages=row["max_pages"],
            pages_found=row["pages_found"],
            pages_fetched=row["pages_fetched"],
            pages_indexed=row["pages_indexed"],
            pages_unchanged=row["pages_unchanged"],
            pages_failed=row["pages_failed"],
            error=row["error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )


@dataclass(frozen=True)
class CrawledPage:
    """Which article a crawled URL became, and the digest of the content it had then."""

    tenant_id: str
    url: str
    article_id: str
    content_hash: str
    crawl_id: str

    @classmethod
    def from_row(cls, row: RowMapping) -> CrawledPage:
        return cls(
            tenant_id=row["tenant_id"],
            url=row["url"],
            article_id=row["article_id"],
            content_hash=row["content_hash"],
            crawl_id=row["crawl_id"],
        )
