"""The real local model (all-MiniLM-L6-v2 on the CPU, offline) indexing and searching on PostgreSQL: semantic
matches that share no word with the article. The model is loaded once per process (shared by these tests)."""

from __future__ import annotations

from libs.events import EventLog
from services.knowledge import service
from services.knowledge.embeddings import LocalMiniLM
from services.knowledge.repository import KnowledgeRepository
from services.knowledge.retrieval import search
from services.knowledge.tests.conftest import Service
from tests.support import provision_tenant

LOCAL = service.Knowledge(embedder=LocalMiniLM())


async def test_the_local_model_embeds_offline_to_unit_vectors() -> None:
    a, b, c = await LOCAL.embedder.embed(
        ["How do I get my money back?", "Refunds are paid to your card.", "Our office cat is called Tom."]
    )
    assert len(a) == 384
    assert abs(sum(x * x for x in a) - 1.0) < 1e-4

    def cosine(u: list[float], v: list[float]) -> float:
        return sum(x * y for x, y in zip(u, v, strict=True))

    assert cosine(a, b) > cosine(a, c) + 0.2


async def test_vector_search_finds_a_paraphrase_full_text_misses(knowledge: Service, event_log: EventLog) -> None:
    _client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    async with runtime.unit_of_work() as uow:
        for title, body in [
            ("Refunds", "Refunds are paid to the original card within five business days."),
            ("Shipping", "Parcels leave our warehouse every weekday and arrive in two to four days."),
            ("Passwords", "Use the 'forgot password' link on the sign-in page to choose a new password."),
        ]:
            await service.create_article(uow, LOCAL, tenant.tenant_id, title=title, body=body)

    async def titles(query: str, mode: str) -> list[str]:
        async with runtime.db.session() as session, session.begin():
            hits = await search(KnowledgeRepository(session), LOCAL.embedder, tenant.tenant_id, query, mode=mode)  # type: ignore[arg-type]
        return [h.title for h in hits]

    assert "Refunds" not in await titles("how can I get my money back", "fulltext")
    assert (await titles("how can I get my money back", "vector"))[0] == "Refunds"
    assert (await titles("how can I get my money back", "hybrid"))[0] == "Refunds"
    assert (await titles("I can't log in anymore", "hybrid"))[0] == "Passwords"
    async with runtime.db.session() as session:
        repo = KnowledgeRepository(session)
        assert await repo.articles_with_stale_chunks(tenant.tenant_id, "all-MiniLM-L6-v2") == []
