"""Composition root of the knowledge service."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.knowledge import service
from services.knowledge.config import KnowledgeSettings
from services.knowledge.endpoints import KnowledgeController
from services.knowledge.handlers import subscriptions
from services.knowledge.models import metadata

NAME = "knowledge"


async def _pgvector(conn: AsyncConnection) -> None:
    # Embeddings live in pgvector; fail at start-up, loudly, on a PostgreSQL without it.
    await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


def create_app(settings: KnowledgeSettings | None = None) -> Litestar:
    settings = settings or KnowledgeSettings()
    migrations = [Migration(0, "pgvector extension", _pgvector), create_all_migration(metadata)]
    runtime = ServiceRuntime(NAME, settings, metadata, migrations, on_tenant_created=service.on_tenant_created)
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [KnowledgeController])
