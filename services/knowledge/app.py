"""Composition root of the knowledge service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from libs.platform.sandbox_tools import serve_sandbox_tools
from services.knowledge import privacy, service
from services.knowledge.config import KnowledgeSettings
from services.knowledge.crawler import Crawler
from services.knowledge.embeddings import provider_from_settings
from services.knowledge.endpoints import KnowledgeController
from services.knowledge.handlers import subscriptions
from services.knowledge.models import create_pgvector_extension, metadata
from services.knowledge.retrieval import RetrievalSettings

NAME = "knowledge"


def create_app(settings: KnowledgeSettings | None = None) -> Litestar:
    settings = settings or KnowledgeSettings()
    migrations = [Migration(0, "pgvector extension", create_pgvector_extension), create_all_migration(metadata)]
    runtime = ServiceRuntime(NAME, settings, metadata, migrations, on_tenant_created=service.on_tenant_created)
    runtime.privacy.handle(privacy.redact)
    embedder = provider_from_settings(
        settings.embeddings,
        openai_api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        openai_model=settings.openai_embedding_model,
        openai_base_url=settings.openai_base_url,
    )
    kb = service.Knowledge(
        embedder=embedder,
        retrieval=RetrievalSettings(
            rrf_k=settings.rrf_k,
            candidate_depth=settings.candidate_depth,
            ef_search=settings.ef_search,
            fulltext_weight=settings.fulltext_weight,
        ),
    )
    crawler = Crawler(runtime.unit_of_work, kb, allow_private=settings.crawl_allow_private)
    for sub in subscriptions(runtime, kb):
        runtime.subscribe(sub)
    # A replay's knowledge calls that the recording cannot answer (docs/replay.md).
    runtime.add_background(
        "sandbox-tools",
        lambda: serve_sandbox_tools(runtime, service.sandbox_answers(runtime, kb)),
        does="answer replays' and simulations' knowledge searches in a transaction rolled back (core NATS)",
    )
    app = build_app(runtime, [KnowledgeController], kb=kb, crawler=crawler, knowledge_settings=settings)
    app.on_shutdown.append(crawler.stop)
    app.state["kb"] = kb
    app.state["crawler"] = crawler
    return app
