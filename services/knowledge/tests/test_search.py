"""Articles, hybrid search and the knowledge tools on real PostgreSQL: versions, publishing, tenant isolation,
citations, and exactly-once tool answers."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client as NATS

from libs.events import (
    Actor,
    Envelope,
    EventLog,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolsPublished,
    new_id,
)
from libs.events.catalog.knowledge import ArticleArchived, ArticlePublished
from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall, sandbox_tools_subject
from libs.platform.runtime import ServiceRuntime
from services.knowledge import service
from services.knowledge.tests.conftest import Service, tenant_headers
from tests.support import outbox_events, provision_tenant

RETURNS = """# Return policy

Returns are free within 30 days of delivery. Start a return from your account page.

## Refunds

Refunds reach your card within 5 business days after we receive the parcel.
"""
SHIPPING = "# Shipping\n\nWe ship worldwide. Standard delivery takes 3 to 5 days; express takes one day."


async def _add(client: Any, headers: dict[str, str], **article: Any) -> dict[str, Any]:
    r = await client.post("/v1/knowledge/articles", headers=headers, json=article)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _search(client: Any, headers: dict[str, str], q: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/knowledge/search", headers=headers, params={"q": q, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_search_finds_only_this_tenants_published_articles(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    owner = await tenant_headers(event_log, runtime)
    other = await tenant_headers(event_log, runtime)
    await _add(client, owner, title="Return policy", body=RETURNS)
    await _add(client, owner, title="Secret draft about returns", body="returns draft", status="draft")
    await _add(client, other, title="Other tenant returns", body="Returns at the other shop: 14 days.")
    for mode in ("hybrid", "fulltext", "vector"):
        hits = await _search(client, owner, "how do I return an item", mode=mode)
        assert {h["title"] for h in hits} == {"Return policy"}, mode
        theirs = await _search(client, other, "return policy refunds", mode=mode)
        assert {h["title"] for h in theirs} == {"Other tenant returns"}, mode


async def test_a_result_carries_title_anchor_snippet_and_score(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    article = await _add(client, headers, title="Return policy", body=RETURNS, tags=["returns"])
    await _add(client, headers, title="Shipping", body=SHIPPING)
    (best, *_) = await _search(client, headers, "when will my refund reach my card")
    assert best["article_id"] == article["article_id"]
    assert best["title"] == "Return policy"
    assert best["heading_path"] == "Return policy > Refunds"
    assert best["anchor"] == "#refunds"
    assert "5 business days" in best["snippet"]
    assert best["score"] > 0


@pytest.mark.parametrize("q", ["?!", "...", "—"])
async def test_a_query_with_no_words_finds_nothing_and_every_score_is_a_number(
    knowledge: Service, event_log: EventLog, q: str
) -> None:
    """A query the embedder turns into no direction at all (punctuation only) has no nearest neighbours: its
    cosine distance to anything is NaN, which answered a null score where the contract promises a number."""
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    await _add(client, headers, title="Return policy", body=RETURNS)
    for mode in ("hybrid", "vector"):
        hits = await _search(client, headers, q, mode=mode)
        assert all(isinstance(h["score"], float) for h in hits), (mode, hits)
        assert hits == [], mode


async def test_versions_publish_and_archive(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    draft = await _add(client, headers, title="Gift cards", body="Gift cards never expire.", status="draft")
    article_id = draft["article_id"]
    assert draft["version"] == 1
    assert await _search(client, headers, "gift cards expire") == []

    r = await client.patch(
        f"/v1/knowledge/articles/{article_id}", headers=headers, json={"body": "Gift cards expire after 5 years."}
    )
    assert r.json()["version"] == 2
    assert r.json()["status"] == "draft"
    r = await client.post(f"/v1/knowledge/articles/{article_id}/publish", headers=headers)
    assert (r.json()["version"], r.json()["status"]) == (3, "published")
    (hit,) = await _search(client, headers, "gift cards expire")
    assert "5 years" in hit["snippet"]

    versions = (await client.get(f"/v1/knowledge/articles/{article_id}/versions", headers=headers)).json()["items"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "draft"), (2, "draft"), (3, "published")]
    assert versions[0]["body"] == "Gift cards never expire."

    r = await client.delete(f"/v1/knowledge/articles/{article_id}", headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "archived"
    assert await _search(client, headers, "gift cards expire") == []
    assert (await client.get(f"/v1/knowledge/articles/{article_id}", headers=headers)).status_code == 404
    # its versions go with it (issue 20)
    assert (await client.get(f"/v1/knowledge/articles/{article_id}/versions", headers=headers)).status_code == 404
    events = [e.payload for e in await outbox_events(runtime)]
    published = [e.version for e in events if isinstance(e, ArticlePublished) and e.article_id == article_id]
    archived = [e.version for e in events if isinstance(e, ArticleArchived) and e.article_id == article_id]
    assert (published, archived) == ([3], [4])


async def test_collections_tags_and_listing(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    r = await client.post("/v1/knowledge/collections", headers=headers, json={"name": "Orders"})
    collection_id = r.json()["collection_id"]
    in_collection = await _add(
        client,
        headers,
        title="Track an order",
        body="Use the tracking link.",
        collection_id=collection_id,
        tags=["orders"],
    )
    await _add(client, headers, title="Expédition", body="Les commandes sont expédiées le lundi.", locale="fr")
    listed = (
        await client.get("/v1/knowledge/articles", headers=headers, params={"collection_id": collection_id})
    ).json()
    assert [a["article_id"] for a in listed["items"]] == [in_collection["article_id"]]
    by_tag = (await client.get("/v1/knowledge/articles", headers=headers, params={"tag": "orders"})).json()
    assert [a["title"] for a in by_tag["items"]] == ["Track an order"]
    r = await client.post(
        "/v1/knowledge/articles", headers=headers, json={"title": "x", "body": "y", "collection_id": "col_nope"}
    )
    assert r.status_code == 409  # well formed; what is stored refuses it
    assert "no collection 'col_nope'" in r.json()["detail"]
    # French stemming: "expédier" finds "expédiées" through the french configuration, not the english one.
    (hit,) = await _search(client, headers, "expédier", mode="fulltext", locale="fr")
    assert hit["title"] == "Expédition"
    assert await _search(client, headers, "expédier", mode="fulltext", locale="en") == []


async def test_another_tenants_article_is_not_found(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    owner = await tenant_headers(event_log, runtime)
    other = await tenant_headers(event_log, runtime)
    article = await _add(client, owner, title="Return policy", body=RETURNS)
    path = f"/v1/knowledge/articles/{article['article_id']}"
    assert (await client.get(path, headers=other)).status_code == 404
    assert (await client.patch(path, headers=other, json={"title": "mine"})).status_code == 404
    assert (await client.delete(path, headers=other)).status_code == 404
    assert (await client.get(f"{path}/versions", headers=other)).status_code == 404
    assert (await client.get(path, headers=owner)).json()["title"] == "Return policy"


async def test_bad_article_input_gets_422_naming_the_field(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    r = await client.post("/v1/knowledge/articles", headers=headers, json={"title": ""})
    assert r.status_code == 422
    assert "title" in r.json()["detail"]
    assert "body" in r.json()["detail"]


def _kb(client: Any) -> service.Knowledge:
    kb = client._transport.app.state["kb"]
    assert isinstance(kb, service.Knowledge)
    return kb


def _request(tenant_id: str, tool: str, arguments: dict[str, Any]) -> Envelope:
    return Envelope.new(
        ToolRequested(
            turn_id="t",
            tool_call_id=new_id("call"),
            idempotency_key="k",
            tool=tool,
            service="knowledge",
            arguments=arguments,
        ),
        tenant_id=tenant_id,
        conversation_id=new_id("conv"),
        actor=Actor(kind="ai", id="agent"),
    )


async def _answer(runtime: ServiceRuntime, kb: service.Knowledge, request: Envelope) -> list[bool]:
    answered = []
    for _ in range(2):
        async with runtime.unit_of_work() as uow:
            answered.append(await service.answer_tool_call(uow, kb, RecordedEvent(3, request)))
    return answered


async def test_search_knowledge_answers_once_with_citations(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    kb = _kb(client)
    tenant = await provision_tenant(event_log, runtime)
    other = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    article = await _add(client, headers, title="Return policy", body=RETURNS)
    await _add(client, {"Authorization": f"Bearer {other.api_key}"}, title="Their returns", body="Return in 14 days")
    request = _request(tenant.tenant_id, "search_knowledge", {"query": "refund to my card"})
    assert await _answer(runtime, kb, request) == [True, False]
    (result,) = [e for e in await outbox_events(runtime, "tool.completed") if e.causation_id == request.id]
    assert isinstance(result.payload, ToolCompleted)
    citations = result.payload.result["citations"]
    assert citations == [
        {"article_id": article["article_id"], "title": "Return policy", "url": None, "anchor": "#refunds"}
    ]
    assert result.payload.result["results"][0]["section"] == "Return policy > Refunds"


async def test_get_article_reads_only_published_articles_of_the_tenant(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    kb = _kb(client)
    tenant = await provision_tenant(event_log, runtime)
    other = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    article = await _add(client, headers, title="Return policy", body=RETURNS)
    draft = await _add(client, headers, title="Draft", body="not yet", status="draft")

    ok = _request(tenant.tenant_id, "get_article", {"article_id": article["article_id"]})
    await _answer(runtime, kb, ok)
    (done,) = [e for e in await outbox_events(runtime, "tool.completed") if e.causation_id == ok.id]
    assert isinstance(done.payload, ToolCompleted)
    assert done.payload.result["article"]["body"] == RETURNS
    assert done.payload.result["citations"][0]["article_id"] == article["article_id"]

    for tenant_id, article_id in ((tenant.tenant_id, draft["article_id"]), (other.tenant_id, article["article_id"])):
        refused = _request(tenant_id, "get_article", {"article_id": article_id})
        await _answer(runtime, kb, refused)
        (failed,) = [e for e in await outbox_events(runtime, "tool.failed") if e.causation_id == refused.id]
        assert isinstance(failed.payload, ToolFailed)
        assert failed.payload.kind == "not_found"


@pytest.mark.parametrize("tool", ["search_knowledge", "get_article"])
async def test_both_tools_are_published_to_a_new_tenant(knowledge: Service, event_log: EventLog, tool: str) -> None:
    _client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    (published,) = [e for e in await outbox_events(runtime, "tools.published") if e.tenant_id == tenant.tenant_id]
    assert isinstance(published.payload, ToolsPublished)
    assert tool in {t.name for t in published.payload.tools}


async def test_a_replays_unrecorded_search_is_answered_without_a_trace(
    knowledge: Service, event_log: EventLog, nc: NATS
) -> None:
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    article = await _add(client, headers, title="Return policy", body=RETURNS)
    before = len(await outbox_events(runtime, "tool.completed"))
    call = SandboxToolCall(
        tenant_id=tenant.tenant_id,
        conversation_id="conv_sandbox",
        tool="search_knowledge",
        arguments={"query": "refund"},
    )
    reply = await nc.request(sandbox_tools_subject("knowledge"), call.model_dump_json().encode(), timeout=10)
    answer = SandboxToolAnswer.model_validate_json(reply.data)
    assert answer.status == "completed", answer
    assert answer.result["citations"][0]["article_id"] == article["article_id"]
    assert len(await outbox_events(runtime, "tool.completed")) == before  # answered on no log, claimed nowhere


async def test_a_deleted_articles_versions_go_with_it(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    article = await _add(client, headers, title="Shipping", body=SHIPPING)
    versions = f"/v1/knowledge/articles/{article['article_id']}/versions"
    assert (await client.get(versions, headers=headers)).status_code == 200
    assert (await client.delete(f"/v1/knowledge/articles/{article['article_id']}", headers=headers)).status_code == 200
    r = await client.get(versions, headers=headers)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


async def test_search_without_a_key_is_401_not_422(knowledge: Service) -> None:
    client, _ = knowledge
    r = await client.get("/v1/knowledge/search")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


async def test_a_scoped_call_reads_only_its_collections(knowledge: Service, event_log: EventLog, nc: NATS) -> None:
    """An agent release's knowledge scope travels with the call; the knowledge service answers from nothing else,
    live and in a replay's sandbox alike."""
    client, runtime = knowledge
    kb = _kb(client)
    tenant = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    ids = []
    for name in ("Help center", "Internal"):
        r = await client.post("/v1/knowledge/collections", headers=headers, json={"name": name})
        assert r.status_code == 201, r.text
        ids.append(r.json()["collection_id"])
    public = await _add(client, headers, title="Return policy", body=RETURNS, collection_id=ids[0])
    internal = await _add(
        client, headers, title="Refund overrides", body="Refunds: staff may refund any order.", collection_id=ids[1]
    )

    async def answered(tool: str, arguments: dict[str, Any], scope: tuple[str, ...] | None) -> Any:
        request = _request(tenant.tenant_id, tool, arguments)
        assert isinstance(request.payload, ToolRequested)
        request = request.model_copy(
            update={"payload": request.payload.model_copy(update={"knowledge_collections": scope})}
        )
        await _answer(runtime, kb, request)
        (out,) = [e for e in await outbox_events(runtime) if e.causation_id == request.id]
        return out.payload

    everything = await answered("search_knowledge", {"query": "refund"}, None)
    assert {c["article_id"] for c in everything.result["citations"]} == {public["article_id"], internal["article_id"]}
    scoped = await answered("search_knowledge", {"query": "refund"}, (ids[0],))
    assert [c["article_id"] for c in scoped.result["citations"]] == [public["article_id"]]
    assert (await answered("search_knowledge", {"query": "refund"}, ())).result["citations"] == []
    outside = await answered("get_article", {"article_id": internal["article_id"]}, (ids[0],))
    assert isinstance(outside, ToolFailed)
    assert outside.kind == "not_found"

    call = SandboxToolCall(
        tenant_id=tenant.tenant_id,
        conversation_id="conv_sandbox",
        tool="search_knowledge",
        arguments={"query": "refund"},
        knowledge_collections=(ids[1],),
    )
    reply = await nc.request(sandbox_tools_subject("knowledge"), call.model_dump_json().encode(), timeout=10)
    answer = SandboxToolAnswer.model_validate_json(reply.data)
    assert [c["article_id"] for c in answer.result["citations"]] == [internal["article_id"]]
