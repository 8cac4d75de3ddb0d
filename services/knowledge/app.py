"""Composition root of the knowledge service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.knowledge import service
from services.knowledge.config import KnowledgeSettings
from services.knowledge.endpoints import KnowledgeController
from services.knowledge.handlers import subscriptions
from services.knowledge.models import create_pgvector_extension, metadata

NAME = "knowledge"


def create_app(settings: KnowledgeSettings | None = None) -> Litestar:
    settings = settings or KnowledgeSettings()
    migrations = [Migration(0, "pgvector extension", create_pgvector_extension), create_all_migration(metadata)]
    runtime = ServiceRuntime(NAME, settings, metadata, migrations, on_tenant_created=service.on_tenant_created)
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [KnowledgeController])
