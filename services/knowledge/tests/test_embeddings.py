"""Embedding providers: OpenAI through its real SDK against a local fake server, the content-hash cache, batching,
and re-indexing when the configured model changes."""

from __future__ import annotations

import json
import math

from libs.events import EventLog
from services.knowledge import service
from services.knowledge.embeddings import HashingEmbeddings, OpenAIEmbeddings
from services.knowledge.indexing import embed_cached
from services.knowledge.models import EMBEDDING_DIMENSIONS
from services.knowledge.repository import KnowledgeRepository
from services.knowledge.tests.conftest import Service
from services.knowledge.tests.local_http import fake_openai_embeddings, serve
from tests.support import provision_tenant

HASHING = HashingEmbeddings()


def _unnormalised(texts: list[str]) -> list[list[float]]:
    return [[3.0 * x for x in HASHING._one(t)] for t in texts]


async def test_openai_embeddings_through_the_sdk_in_batches() -> None:
    with serve(fake_openai_embeddings(_unnormalised)) as server:
        provider = OpenAIEmbeddings("sk-test", "text-embedding-3-small", base_url=f"{server.url}/v1")
        texts = [f"text number {i}" for i in range(provider.batch_size + 5)]
        vectors = await provider.embed(texts[: provider.batch_size])
        vectors += await provider.embed(texts[provider.batch_size :])
    assert len(vectors) == len(texts)
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-6) for v in vectors)
    expected = await HASHING.embed(texts)
    assert all(
        math.isclose(a, b, abs_tol=1e-9)
        for va, vb in zip(vectors, expected, strict=True)
        for a, b in zip(va, vb, strict=True)
    )
    sent = [json.loads(r.body) for r in server.requests]
    assert [len(s["input"]) for s in sent] == [provider.batch_size, 5]
    assert {s["dimensions"] for s in sent} == {EMBEDDING_DIMENSIONS}
    assert {s["model"] for s in sent} == {"text-embedding-3-small"}
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"
    assert provider.model == f"openai/text-embedding-3-small@{EMBEDDING_DIMENSIONS}"


async def test_the_cache_spares_model_calls_for_known_text(knowledge: Service, event_log: EventLog) -> None:
    _client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    with serve(fake_openai_embeddings(_unnormalised)) as server:
        provider = OpenAIEmbeddings("sk-test", base_url=f"{server.url}/v1")
        provider.batch_size = 2
        async with runtime.unit_of_work() as uow:
            repo = KnowledgeRepository(uow.session)
            first = await embed_cached(repo, provider, tenant.tenant_id, ["a b", "c d", "e f", "a b"])
        assert [len(json.loads(r.body)["input"]) for r in server.requests] == [2, 1]  # batches of 2, "a b" once
        async with runtime.unit_of_work() as uow:
            repo = KnowledgeRepository(uow.session)
            again = await embed_cached(repo, provider, tenant.tenant_id, ["c d", "g h"])
        assert [json.loads(r.body)["input"] for r in server.requests[2:]] == [["g h"]]
    # pgvector stores float32: the cached vector is the first one to single precision.
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(again[0], first[1], strict=True))


async def test_reindex_moves_every_article_to_the_configured_model(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    with serve(fake_openai_embeddings(_unnormalised)) as server:
        openai_kb = service.Knowledge(embedder=OpenAIEmbeddings("sk-test", base_url=f"{server.url}/v1"))
        async with runtime.unit_of_work() as uow:
            article = await service.create_article(
                uow, openai_kb, tenant.tenant_id, title="Warranty", body="Two years of warranty on every device."
            )
    async with runtime.db.session() as session:
        assert await KnowledgeRepository(session).chunk_models(tenant.tenant_id, article.article_id) == [
            openai_kb.embedder.model
        ]
    # The service is configured with the hashing model: the OpenAI-made chunks are stale for it.
    r = await client.post("/v1/knowledge/reindex", headers=headers)
    assert r.json() == {"model": "hashing-v1", "articles": 1}
    async with runtime.db.session() as session:
        assert await KnowledgeRepository(session).chunk_models(tenant.tenant_id, article.article_id) == ["hashing-v1"]
    hits = (
        await client.get("/v1/knowledge/search", headers=headers, params={"q": "warranty", "mode": "vector"})
    ).json()
    assert [h["title"] for h in hits["items"]] == ["Warranty"]
    assert (await client.post("/v1/knowledge/reindex", headers=headers)).json()["articles"] == 0
