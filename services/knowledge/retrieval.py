"""Hybrid retrieval: full-text and vector candidates from PostgreSQL, fused by reciprocal rank fusion, then an
optional re-ranker. Results are per article (its best chunk), with what a citation needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from services.knowledge.embeddings import EmbeddingProvider
from services.knowledge.languages import text_search_config
from services.knowledge.repository import ChunkHit, KnowledgeRepository

Mode = Literal["hybrid", "fulltext", "vector"]
SNIPPET_CHARS = 300


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str
    heading_path: str
    anchor: str
    url: str | None
    snippet: str
    score: float

    def citation(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "title": self.title, "url": self.url, "anchor": self.anchor}


class Reranker(Protocol):
    async def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """The same hits, reordered (and re-scored) by relevance to ``query``."""
        ...


class KeepOrder:
    """The default re-ranker: the fused order is kept."""

    async def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:  # noqa: ARG002
        return list(hits)


@dataclass(frozen=True)
class RetrievalSettings:
    """Defaults tuned on the StackFAQ tune half (benchmarks/retrieval.py): equal-weight RRF with k = 60 lost to
    vector-only search there (MRR@10 0.91 vs 0.97); a lighter full-text vote with a small k ties or edges it."""

    rrf_k: int = 1
    candidate_depth: int = 40  # chunks taken from each retriever before fusion
    ef_search: int = 100
    fulltext_weight: float = 0.3  # weight of the full-text ranking in the fusion (the vector ranking has 1)


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _per_article(rows: Sequence[ChunkHit]) -> list[ChunkHit]:
    """Each article once, at the rank of its best chunk."""
    seen: set[str] = set()
    out = []
    for row in rows:
        if row.article_id not in seen:
            seen.add(row.article_id)
            out.append(row)
    return out


def _hit(row: ChunkHit, score: float) -> Hit:
    return Hit(
        article_id=row.article_id,
        title=row.title,
        heading_path=row.heading_path,
        anchor=row.anchor,
        url=row.url,
        snippet=_snippet(row.text),
        score=round(score, 6),
    )


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[ChunkHit]], k: int, weights: Sequence[float] | None = None
) -> list[tuple[ChunkHit, float]]:
    """Σ weight/(k + rank) over the rankings an article appears in (weighted RRF); its representative chunk is the
    one of the first ranking that has it (rankings are passed most-precise first)."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    representative: dict[str, ChunkHit] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(_per_article(ranking), start=1):
            scores[row.article_id] = scores.get(row.article_id, 0.0) + weight / (k + rank)
            representative.setdefault(row.article_id, row)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(representative[article_id], score) for article_id, score in ordered]


async def search(
    repo: KnowledgeRepository,
    embedder: EmbeddingProvider,
    tenant_id: str,
    query: str,
    *,
    limit: int = 10,
    mode: Mode = "hybrid",
    locale: str | None = None,
    settings: RetrievalSettings = RetrievalSettings(),
    reranker: Reranker | None = None,
    scope: Sequence[str] | None = None,
) -> list[Hit]:
    """The tenant's published articles best matching ``query`` (only published articles have chunks); only those of
    the ``scope`` collections when given (an agent release's knowledge scope)."""
    depth = max(settings.candidate_depth, limit)
    language = text_search_config(locale or "en")
    fulltext: list[ChunkHit] = []
    nearest: list[ChunkHit] = []
    if mode in {"hybrid", "fulltext"}:
        fulltext = await repo.full_text(
            tenant_id, query, language, depth, only_language=locale is not None, scope=scope
        )
    if mode in {"hybrid", "vector"}:
        (vector,) = await embedder.embed([query])
        if any(vector):  # a query with no direction (punctuation only) is at no cosine distance from anything
            nearest = await repo.nearest(
                tenant_id, embedder.model, vector, depth, ef_search=settings.ef_search, scope=scope
            )
    if mode == "fulltext":
        hits = [_hit(r, r.score) for r in _per_article(fulltext)]
    elif mode == "vector":
        hits = [_hit(r, r.score) for r in _per_article(nearest)]
    else:
        fused = reciprocal_rank_fusion([nearest, fulltext], settings.rrf_k, (1.0, settings.fulltext_weight))
        hits = [_hit(r, s) for r, s in fused]
    hits = hits[: max(limit, 20)] if reranker else hits[:limit]
    if reranker:
        hits = (await reranker.rerank(query, hits))[:limit]
    return hits
