"""Retrieval benchmark: quality on StackFAQ (full text vs vector vs hybrid) and HNSW at 100k chunks.

Part 1 — StackFAQ (Karan & Šnajder 2018; see the data set's README): each of the 125 threads (question + answers)
is one article, each paraphrase (``rephr``, ``*`` skipped) a query whose only relevant article is its thread. The
articles go through the service's own code (chunking, local all-MiniLM-L6-v2 embeddings, the ``chunks`` table) and
are searched with ``services.knowledge.retrieval.search`` in three modes. Printed: MRR@10, nDCG@10, recall@5, P@1
and per-query latency p50/p99. Query embeddings are computed once up front and their cost printed separately, so
the latency columns are the database retrieval + fusion only.

RRF is tuned honestly: the paraphrases are split in two halves (alternating within each thread); k and the
candidate depth are chosen on the *tune* half and reported on the *held-out* half (and on all queries).

Part 2 — scale: 100,000 chunks with synthetic clustered 384-d unit vectors (embedding 100k texts with the local
model on 2 CPU cores would take long: ~10 min; synthetic vectors test the index, not the model) in the service's
``chunks`` table and HNSW index (m 16, ef_construction 64). Tenants: one with 50,000 chunks, ten with 5,000.
For 200 queries per case, ``KnowledgeRepository.nearest`` (the service's query) is compared with exact search
(numpy brute force, same float32 vectors): recall@10 and latency p50/p99, for the tenant filter done by pgvector
0.8's iterative index scan (``relaxed_order``, the service's choice), without it (``off``), and with a per-tenant
partial HNSW index.

Run: ``.venv/bin/python benchmarks/retrieval.py ../shared/data/stackfaq/`` (``--chunks N`` for the scale run,
``--skip-scale``). Uses ``DATABASE_URL`` if set, else an embedded PostgreSQL+pgvector in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deskpilot.embedded import EmbeddedPostgres
from libs.events import new_id
from libs.platform.db import Database, Migration
from libs.platform.runtime import create_all_migration
from services.knowledge.embeddings import LocalMiniLM, Vector
from services.knowledge.indexing import index_article
from services.knowledge.models import EMBEDDING_DIMENSIONS, chunks, create_pgvector_extension, metadata
from services.knowledge.repository import KnowledgeRepository
from services.knowledge.retrieval import Mode, RetrievalSettings, reciprocal_rank_fusion, search

BM25_REFERENCE = "plain BM25 (data set README): MRR@10 ≈ 0.77, P@1 ≈ 0.67"


class Precomputed:
    """The local model's vectors for known queries (computed once, batched); the model for anything else."""

    def __init__(self, model: LocalMiniLM, vectors: dict[str, Vector]) -> None:
        self._model = model
        self._vectors = vectors
        self.model = model.model
        self.batch_size = model.batch_size

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        if all(t in self._vectors for t in texts):
            return [self._vectors[t] for t in texts]
        return await self._model.embed(texts)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def load_stackfaq(path: Path) -> tuple[list[dict[str, str]], list[tuple[str, int, int]]]:
    """Articles (title, markdown body) and queries (text, article index, paraphrase index within its thread)."""
    file = path / "stackExchange-FAQ.json" if path.is_dir() else path
    threads = json.loads(file.read_text(encoding="utf-8"))["root"]["qapair"]
    articles: list[dict[str, str]] = []
    queries: list[tuple[str, int, int]] = []
    for i, thread in enumerate(threads):
        answers = thread["answer"] if isinstance(thread["answer"], list) else [thread["answer"]]
        body = thread["question"] + "\n\n" + "\n\n".join(f"## Answer {n}\n\n{a}" for n, a in enumerate(answers, 1))
        articles.append({"title": thread["question"], "body": body})
        paraphrases = [r for r in thread["rephr"] if r and r.strip() and r.strip() != "*"]
        queries.extend((q, i, n) for n, q in enumerate(paraphrases))
    return articles, queries


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """ranks: 1-based rank of the relevant article within the top 10, or None."""
    n = len(ranks)
    return {
        "MRR@10": sum(1 / r for r in ranks if r) / n,
        "nDCG@10": sum(1 / math.log2(r + 1) for r in ranks if r) / n,
        "recall@5": sum(1 for r in ranks if r and r <= 5) / n,
        "P@1": sum(1 for r in ranks if r == 1) / n,
    }


async def run_queries(
    db: Database,
    embedder: Precomputed,
    tenant: str,
    queries: Sequence[tuple[str, int, int]],
    ids: list[str],
    mode: Mode,
    settings: RetrievalSettings,
) -> tuple[dict[str, float], list[float]]:
    ranks: list[int | None] = []
    latencies: list[float] = []
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        for query, article, _ in queries:
            started = time.perf_counter()
            async with session.begin():
                hits = await search(repo, embedder, tenant, query, limit=10, mode=mode, settings=settings)
            latencies.append((time.perf_counter() - started) * 1000)
            found = [h.article_id for h in hits]
            ranks.append(found.index(ids[article]) + 1 if ids[article] in found else None)
    return metrics(ranks), latencies


def row(name: str, m: dict[str, float], lat: Sequence[float]) -> str:
    figures = "  ".join(f"{m[k]:.3f}" for k in ("MRR@10", "nDCG@10", "recall@5", "P@1"))
    return f"  {name:<42} {figures}   {statistics.median(lat):6.2f} {pct(lat, 99):6.2f}"


HEADER = f"  {'':<42} MRR@10 nDCG@10 rec@5  P@1     p50 ms p99 ms"


async def tune_fusion(
    db: Database, embedder: Precomputed, tenant: str, tune: Sequence[tuple[str, int, int]], ids: list[str]
) -> RetrievalSettings:
    """Grid search of RRF k, candidate depth and full-text weight on the tune half only. Each retriever is asked
    once per query for 100 candidates; a depth d uses their first d (what LIMIT d returns, up to HNSW ties)."""
    candidates = []
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        for query, article, _ in tune:
            async with session.begin():
                fulltext = await repo.full_text(tenant, query, "english", 100)
                (vector,) = await embedder.embed([query])
                nearest = await repo.nearest(tenant, embedder.model, vector, 100)
            candidates.append((nearest, fulltext, ids[article]))
    depths, ks, weights = (10, 20, 40, 100), (1, 5, 10, 20, 60, 100), (1.0, 0.5, 0.3, 0.2, 0.1, 0.05)
    results: dict[tuple[float, int, int], float] = {}
    for weight in weights:
        for k in ks:
            for depth in depths:
                ranks: list[int | None] = []
                for nearest, fulltext, relevant in candidates:
                    fused = reciprocal_rank_fusion([nearest[:depth], fulltext[:depth]], k, (1.0, weight))
                    found = [r.article_id for r, _ in fused[:10]]
                    ranks.append(found.index(relevant) + 1 if relevant in found else None)
                results[(weight, k, depth)] = metrics(ranks)["MRR@10"]
    print(f"\n  RRF tuning on the tune half ({len(tune)} queries): MRR@10 by full-text weight w_ft, k and depth")
    print("  " + " " * 16 + "".join(f"{'d=' + str(d):>8}" for d in depths))
    for weight in weights:
        for k in ks:
            cells = "".join(f"{results[(weight, k, d)]:8.3f}" for d in depths)
            print(f"  w_ft={weight:<4} k={k:<4}{cells}")
    (weight, k, depth), best = max(results.items(), key=lambda item: (item[1], -item[0][2]))
    print(f"  chosen on the tune half: w_ft={weight}, k={k}, depth={depth} (MRR@10 {best:.3f})")
    d = RetrievalSettings()
    print(f"  service defaults: w_ft={d.fulltext_weight}, k={d.rrf_k}, depth={d.candidate_depth}")
    return RetrievalSettings(rrf_k=k, candidate_depth=depth, fulltext_weight=weight)


async def stackfaq(db: Database, path: Path) -> None:
    articles, queries = load_stackfaq(path)
    model = LocalMiniLM()
    print(f"StackFAQ: {len(articles)} articles, {len(queries)} queries; model {model.model} (CPU)")
    started = time.perf_counter()
    await model.embed(["warm-up"])
    print(f"  model load: {time.perf_counter() - started:.1f} s")
    tenant = new_id("ten")
    ids: list[str] = []
    started = time.perf_counter()
    async with db.session() as session, session.begin():
        repo = KnowledgeRepository(session)
        n_chunks = 0
        for a in articles:
            article = await repo.add_article(
                tenant_id=tenant, status="published", tags=[], article_id=new_id("art"), body_format="markdown",
                locale="en", version=1, **a,
            )  # fmt: skip
            n_chunks += await index_article(repo, model, tenant, article)
            ids.append(article.article_id)
    print(f"  indexed {n_chunks} chunks in {time.perf_counter() - started:.1f} s (chunking + embedding + insert)")

    texts = [q for q, _, _ in queries]
    started = time.perf_counter()
    vectors = await model.embed(texts)
    batch_ms = (time.perf_counter() - started) * 1000 / len(texts)
    single = []
    for q in texts[:100]:
        t0 = time.perf_counter()
        await model.embed([q])
        single.append((time.perf_counter() - t0) * 1000)
    print(
        f"  query embedding: {batch_ms:.2f} ms/query batched; one at a time (as a live search does) "
        f"p50 {statistics.median(single):.2f} ms, p99 {pct(single, 99):.2f} ms — not in the latencies below"
    )
    embedder = Precomputed(model, dict(zip(texts, vectors, strict=True)))

    tune = [q for q in queries if q[2] % 2 == 0]
    held_out = [q for q in queries if q[2] % 2 == 1]
    chosen = await tune_fusion(db, embedder, tenant, tune, ids)
    k, depth, weight = chosen.rrf_k, chosen.candidate_depth, chosen.fulltext_weight

    for label, subset in (("held-out half", held_out), ("all queries", queries)):
        print(f"\n  {label} ({len(subset)} queries)")
        print(HEADER)
        for name, mode, settings in (
            ("full text only (ts_rank, norm. 1)", "fulltext", chosen),
            ("vector only (HNSW cosine)", "vector", chosen),
            (f"hybrid RRF (k={k}, depth={depth}, w_ft={weight})", "hybrid", chosen),
            ("hybrid, service defaults", "hybrid", RetrievalSettings()),
            ("hybrid, plain RRF (k=60, depth=40, equal)", "hybrid", RetrievalSettings(60, 40, 100, 1.0)),
        ):
            m, lat = await run_queries(db, embedder, tenant, subset, ids, mode, settings)  # type: ignore[arg-type]
            print(row(name, m, lat))
    print(f"  reference: {BM25_REFERENCE}")


# --- scale ----------------------------------------------------------------------------------------------------------
def synthetic(n: int, rng: np.random.Generator, centers: np.ndarray) -> np.ndarray:
    """Clustered unit vectors (topics with spread), closer to real embeddings than uniform noise."""
    picks = rng.integers(0, len(centers), n)
    points = centers[picks] + rng.normal(0, 0.55, (n, EMBEDDING_DIMENSIONS)) / math.sqrt(EMBEDDING_DIMENSIONS)
    points = points.astype(np.float32)
    unit: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
    return unit


async def scale(db: Database, total: int) -> None:  # noqa: PLR0915 - one linear script of measurements
    rng = np.random.default_rng(7)
    centers = rng.normal(0, 1, (400, EMBEDDING_DIMENSIONS)) / math.sqrt(EMBEDDING_DIMENSIONS)
    big, small_n = total // 2, (total - total // 2) // 10
    tenants = [(f"ten_scale_big_{os.getpid()}", big)] + [(f"ten_scale_{i}_{os.getpid()}", small_n) for i in range(10)]
    model = "synthetic-384"
    print(f"\nScale: {sum(n for _, n in tenants):,} chunks, synthetic clustered 384-d vectors (see docstring)")
    print(f"  tenants: 1 x {big:,} chunks, 10 x {small_n:,} chunks; HNSW m=16, ef_construction=64")
    vectors: dict[str, np.ndarray] = {}
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP INDEX IF EXISTS knowledge.ix_chunks_embedding_hnsw"))
    for tenant, n in tenants:
        vectors[tenant] = synthetic(n, rng, centers)
        for start in range(0, n, 5000):
            rows = [
                {
                    "tenant_id": tenant,
                    "article_id": f"art_{i}",
                    "ordinal": 0,
                    "version": 1,
                    "title": "t",
                    "heading_path": "",
                    "anchor": "",
                    "url": None,
                    "text": "synthetic",
                    "content_hash": "-",
                    "model": model,
                    "language": "simple",
                    "embedding": vectors[tenant][i],
                }
                for i in range(start, min(n, start + 5000))
            ]
            async with db.session() as session, session.begin():
                await session.execute(chunks.insert(), rows)
    print(f"  inserted in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        await conn.execute(
            text(
                "CREATE INDEX ix_chunks_embedding_hnsw ON knowledge.chunks USING hnsw (embedding vector_cosine_ops) "
                "WITH (m = 16, ef_construction = 64)"
            )
        )
        await conn.execute(text("ANALYZE knowledge.chunks"))
    print(f"  HNSW index built in {time.perf_counter() - started:.1f} s")

    queries = synthetic(200, rng, centers)
    print("  200 queries per case; recall@10 against exact (numpy brute force) search; ef_search 100 unless named")
    print(f"  {'case':<58} {'recall@10':>9} {'p50 ms':>7} {'p99 ms':>7}")

    async def case(name: str, tenant: str, iterative: str, ef: int = 100, custom_plan: bool = False) -> None:
        exact = np.argsort(-(vectors[tenant] @ queries.T), axis=0)[:10].T
        recalls, latencies = [], []
        async with db.session() as session:
            repo = KnowledgeRepository(session)
            for q, truth in zip(queries, exact, strict=True):
                started = time.perf_counter()
                async with session.begin():
                    if custom_plan:
                        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
                    hits = await repo.nearest(tenant, model, q.tolist(), 10, ef_search=ef, iterative_scan=iterative)  # type: ignore[arg-type]
                latencies.append((time.perf_counter() - started) * 1000)
                got = {int(h.article_id[4:]) for h in hits}
                recalls.append(len(got & set(truth.tolist())) / 10)
        recall, p50, p99 = statistics.mean(recalls), statistics.median(latencies), pct(latencies, 99)
        print(f"  {name:<58} {recall:9.3f} {p50:7.2f} {p99:7.2f}")

    big_t, small_t = tenants[0][0], tenants[1][0]
    await case(f"big tenant ({big:,}), iterative relaxed_order [service]", big_t, "relaxed_order")
    await case(f"big tenant ({big:,}), iterative off", big_t, "off")
    await case(f"small tenant ({small_n:,}), iterative relaxed_order [service]", small_t, "relaxed_order")
    await case(f"small tenant ({small_n:,}), iterative off", small_t, "off")
    await case(f"small tenant ({small_n:,}), relaxed_order, ef_search 40", small_t, "relaxed_order", ef=40)
    async with db.session() as session, session.begin():
        plan = await session.execute(
            text(
                "EXPLAIN SELECT article_id FROM knowledge.chunks WHERE tenant_id = :t AND model = :m "
                "ORDER BY embedding <=> CAST(:q AS vector) LIMIT 40"
            ),
            {"t": small_t, "m": model, "q": str(queries[0].tolist())},
        )
        lines = [r[0].strip()[:90] for r in plan.fetchall()[:2]]
        print("  plan chosen for a small tenant: " + " | ".join(lines))
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE INDEX bench_partial ON knowledge.chunks USING hnsw (embedding vector_cosine_ops) "
                f"WITH (m = 16, ef_construction = 64) WHERE tenant_id = '{small_t}'"
            )
        )
        await conn.execute(text("ANALYZE knowledge.chunks"))
    print(f"  partial HNSW index for one small tenant built in {time.perf_counter() - started:.1f} s")
    await case(f"small tenant ({small_n:,}), partial index, iterative off", small_t, "off", custom_plan=True)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP INDEX knowledge.bench_partial"))
        await conn.execute(text("DELETE FROM knowledge.chunks WHERE model = :m"), {"m": model})


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path, help="the StackFAQ directory (or its JSON file)")
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the scale run")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deskpilot-bench-") as tmp:
        embedded = None
        url = os.environ.get("DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp))
            url = embedded.start()
        db = Database(url, schema="knowledge")
        try:
            await db.migrate(
                [Migration(0, "pgvector extension", create_pgvector_extension), create_all_migration(metadata)]
            )
            await stackfaq(db, args.path)
            if not args.skip_scale:
                await scale(db, args.chunks)
        finally:
            await db.close()
            if embedded:
                embedded.stop()


if __name__ == "__main__":
    asyncio.run(main())
