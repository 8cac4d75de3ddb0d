"""Reciprocal rank fusion: per article, weighted, best chunk kept."""

from __future__ import annotations

from services.knowledge.repository import ChunkHit
from services.knowledge.retrieval import reciprocal_rank_fusion


def chunk(article: str, ordinal: int = 0) -> ChunkHit:
    return ChunkHit(article, ordinal, title="", heading_path="", anchor="", url=None, text="", score=0.0)


def test_an_article_in_both_rankings_beats_one_in_a_single_ranking() -> None:
    vector = [chunk("a"), chunk("b", 0), chunk("b", 1), chunk("c")]
    fulltext = [chunk("b", 3), chunk("d")]
    fused = reciprocal_rank_fusion([vector, fulltext], k=60)
    assert [r.article_id for r, _ in fused] == ["b", "a", "d", "c"]
    best_b = fused[0]
    assert best_b[0].ordinal == 0  # the vector ranking's chunk represents b
    expected = 1 / 62 + 1 / 61
    assert abs(best_b[1] - expected) < 1e-12


def test_weights_shift_the_balance() -> None:
    vector = [chunk("a"), chunk("b")]
    fulltext = [chunk("b"), chunk("c")]
    assert next(r.article_id for r, _ in reciprocal_rank_fusion([vector, fulltext], k=1)) == "b"
    light = reciprocal_rank_fusion([vector, fulltext], k=1, weights=(1.0, 0.1))
    assert [r.article_id for r, _ in light] == ["a", "b", "c"]
