"""Articles and full-text search on real PostgreSQL: tenant isolation, drafts, and the knowledge tool."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from libs.events import Actor, Envelope, EventLog, RecordedEvent, ToolCompleted, ToolRequested, new_id
from libs.platform.runtime import ServiceRuntime
from services.knowledge import service
from services.knowledge.app import create_app
from services.knowledge.config import KnowledgeSettings
from tests.support import outbox_events, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
RETURNS = "Returns are free within 30 days of delivery. Start a return from your account page."


@pytest.fixture(scope="module")
async def knowledge(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = KnowledgeSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


async def test_search_finds_only_this_tenants_published_articles(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    owner = await provision_tenant(event_log, runtime)
    other = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {owner.api_key}"}
    r = await client.post("/v1/knowledge/articles", headers=auth, json={"title": "Return policy", "body": RETURNS})
    assert r.status_code == 201
    await client.post(
        "/v1/knowledge/articles",
        headers=auth,
        json={"title": "Secret draft about returns", "body": "not yet", "status": "draft"},
    )
    hits = (await client.get("/v1/knowledge/search", headers=auth, params={"q": "how do I return an item"})).json()
    assert [h["title"] for h in hits["items"]] == ["Return policy"]
    theirs = await client.get(
        "/v1/knowledge/search", headers={"Authorization": f"Bearer {other.api_key}"}, params={"q": "return"}
    )
    assert theirs.json()["items"] == []


async def test_bad_article_input_gets_422_naming_the_field(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    r = await client.post(
        "/v1/knowledge/articles", headers={"Authorization": f"Bearer {tenant.api_key}"}, json={"title": ""}
    )
    assert r.status_code == 422
    assert "title" in r.json()["detail"]
    assert "body" in r.json()["detail"]


async def test_the_knowledge_tool_answers_each_call_once(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    await client.post(
        "/v1/knowledge/articles",
        headers={"Authorization": f"Bearer {tenant.api_key}"},
        json={"title": "Return policy", "body": RETURNS},
    )
    request = Envelope.new(
        ToolRequested(
            turn_id="t",
            tool_call_id=new_id("call"),
            idempotency_key="k",
            tool="search_knowledge",
            service="knowledge",
            arguments={"query": "return window"},
        ),
        tenant_id=tenant.tenant_id,
        conversation_id=new_id("conv"),
        actor=Actor(kind="ai", id="agent"),
    )
    answered = []
    for _ in range(2):
        async with runtime.unit_of_work() as uow:
            answered.append(await service.answer_tool_call(uow, RecordedEvent(3, request)))
    assert answered == [True, False]
    (result,) = [e for e in await outbox_events(runtime, "tool.completed") if e.causation_id == request.id]
    assert isinstance(result.payload, ToolCompleted)
    assert result.payload.result["results"][0]["title"] == "Return policy"
