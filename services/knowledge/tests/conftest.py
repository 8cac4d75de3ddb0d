"""One knowledge service for every knowledge test module (a service's tables are module-level metadata, so one
app per process), on the session's real NATS and PostgreSQL+pgvector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from libs.events import EventLog
from libs.platform.runtime import ServiceRuntime
from services.knowledge.app import create_app
from services.knowledge.config import KnowledgeSettings
from tests.support import provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


def settings(nats_url: str, database_url: str, **extra: Any) -> KnowledgeSettings:
    # The hashing provider keeps most tests fast; the real local model has its own tests (test_local_model.py).
    values = {"NATS_URL": nats_url, "DATABASE_URL": database_url, "KNOWLEDGE_EMBEDDINGS": "hashing"}
    return KnowledgeSettings.model_validate({**values, **extra})


@pytest.fixture(scope="package")  # a knowledge service left running would answer other tests' tool requests
async def knowledge(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    app = create_app(
        settings(nats_url, database_url, KNOWLEDGE_CRAWL_ALLOW_PRIVATE=True, KNOWLEDGE_IMPORT_MAX_BYTES=64 * 1024)
    )
    async with running(app) as svc:
        yield svc
        await app.state["crawler"].stop()


async def tenant_headers(event_log: EventLog, runtime: ServiceRuntime) -> dict[str, str]:
    tenant = await provision_tenant(event_log, runtime)
    return {"Authorization": f"Bearer {tenant.api_key}"}
