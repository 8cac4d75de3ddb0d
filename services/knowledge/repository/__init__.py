"""Every SQL statement of the knowledge service (``knowledge.py``) and the typed rows it returns (``rows.py``)."""

from services.knowledge.repository.knowledge import KnowledgeRepository
from services.knowledge.repository.rows import (
    ArticleRow,
    ArticleVersionRow,
    ChunkHit,
    CollectionRow,
    CrawledPage,
    CrawlRow,
)

__all__ = [
    "ArticleRow",
    "ArticleVersionRow",
    "ChunkHit",
    "CollectionRow",
    "CrawlRow",
    "CrawledPage",
    "KnowledgeRepository",
]
