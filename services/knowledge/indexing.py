"""Indexing an article: chunk it, embed the chunks (through the content-hash cache, in batches), store them."""

from __future__ import annotations

from collections.abc import Sequence

from services.knowledge.chunking import chunk_article, content_hash
from services.knowledge.embeddings import EmbeddingProvider, Vector
from services.knowledge.languages import text_search_config
from services.knowledge.repository import ArticleRow, KnowledgeRepository


async def embed_cached(
    repo: KnowledgeRepository, embedder: EmbeddingProvider, tenant_id: str, texts: Sequence[str]
) -> list[Vector]:
    """Embeddings of ``texts``: cached ones from the table, the rest from the model in batches (then cached)."""
    hashes = [content_hash(t) for t in texts]
    known = await repo.cached_embeddings(tenant_id, embedder.model, hashes)
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in known:
            missing.setdefault(h, t)
    fresh: dict[str, Vector] = {}
    todo = list(missing.items())
    for start in range(0, len(todo), embedder.batch_size):
        batch = todo[start : start + embedder.batch_size]
        vectors = await embedder.embed([t for _, t in batch])
        fresh.update({h: v for (h, _), v in zip(batch, vectors, strict=True)})
    await repo.cache_embeddings(tenant_id, embedder.model, fresh)
    known.update(fresh)
    return [known[h] for h in hashes]


async def index_article(
    repo: KnowledgeRepository, embedder: EmbeddingProvider, tenant_id: str, article: ArticleRow
) -> int:
    """Replace the article's chunks with those of its current version; returns the number of chunks."""
    pieces = chunk_article(article.body, article.body_format)
    texts = [p.embedding_text(article.title) for p in pieces]
    vectors = await embed_cached(repo, embedder, tenant_id, texts)
    source_url = article.source_url
    rows = [
        {
            "tenant_id": tenant_id,
            "article_id": article.article_id,
            "ordinal": piece.ordinal,
            "version": article.version,
            "title": article.title,
            "heading_path": piece.heading,
            "anchor": piece.anchor,
            "url": f"{source_url.split('#')[0]}{piece.anchor}" if source_url else None,
            "text": piece.text,
            "content_hash": content_hash(text),
            "model": embedder.model,
            "language": text_search_config(article.locale),
            "embedding": vector,
        }
        for piece, text, vector in zip(pieces, texts, vectors, strict=True)
    ]
    await repo.replace_chunks(tenant_id, article.article_id, rows)
    return len(rows)
