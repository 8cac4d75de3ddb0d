"""A task's world: the integrations and knowledge base its setup names, as the agent's tools see them.

The demo store is a real copy of the shop (``libs/demo_store``) in memory, so a refund the agent makes changes it
and the expectations can inspect the result; fake tools answer as the suite says; the knowledge base is searched by
words in common. Calls to anything else get the sandbox's "unrecorded" / "not executed".
"""

from __future__ import annotations

import re
from typing import Any

from libs import demo_store
from libs.demo_store import MemoryDemoStore, StoreError
from libs.events import ToolRequested, ToolSpec
from services.agent.sandbox.answers import Answer, completed, failed
from services.agent.simulation.expect import arguments_match
from services.agent.simulation.suite import Article, FakeTool, Setup

# The knowledge service's two tools, as a simulation offers them when a suite has articles (a test checks that
# they are the ones the knowledge service publishes).
KNOWLEDGE = "knowledge"
SEARCH_KNOWLEDGE = ToolSpec(
    name="search_knowledge",
    description=(
        "Search the help center articles (policies, shipping, returns, how-to) for an answer. Returns the best "
        "matching sections with citations (article id, title, url/anchor); cite them in the reply."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 500},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    risk="read",
    service=KNOWLEDGE,
)
GET_ARTICLE = ToolSpec(
    name="get_article",
    description="Read one published help center article in full, by the article_id a search result gave.",
    input_schema={
        "type": "object",
        "properties": {"article_id": {"type": "string", "minLength": 1, "maxLength": 64}},
        "required": ["article_id"],
        "additionalProperties": False,
    },
    risk="read",
    service=KNOWLEDGE,
)
_WORDS = re.compile(r"[a-z0-9]+")


def _fake_spec(tool: FakeTool) -> ToolSpec:
    return ToolSpec(
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema,
        risk=tool.risk,
        service="simulation",
        integration="simulation",
    )


class World:
    """One trial's world (a fresh copy per trial: trials never see each other's refunds)."""

    def __init__(self, setup: Setup) -> None:
        self.shop: MemoryDemoStore | None = None
        if "demo_store" in setup.integrations:
            seed = setup.store
            self.shop = MemoryDemoStore(
                orders=seed.orders if seed else None, subscriptions=seed.subscriptions if seed else None
            )
        self._fakes = {t.name: t for t in setup.tools}
        self._articles = {f"art_{i + 1}": a for i, a in enumerate(setup.knowledge)}

    @staticmethod
    def tools(setup: Setup) -> list[ToolSpec]:
        """The catalog the agent sees in this setup."""
        out: list[ToolSpec] = list(demo_store.tool_specs()) if "demo_store" in setup.integrations else []
        if setup.knowledge:
            out += [SEARCH_KNOWLEDGE, GET_ARTICLE]
        return out + [_fake_spec(t) for t in setup.tools]

    def store_state(self) -> dict[str, Any] | None:
        return self.shop.snapshot() if self.shop is not None else None

    async def answer(self, request: ToolRequested, spec: ToolSpec | None, _conversation: str) -> Answer | None:
        if spec is None:
            return None
        if spec.integration == demo_store.NAME and self.shop is not None:
            try:
                out = await demo_store.run_tool(
                    self.shop, request.tool, request.arguments, request.idempotency_key, False
                )
            except StoreError as exc:
                return Answer(failed(request, exc.kind, exc.message), "world")
            return Answer(completed(request, out), "world")
        if request.tool in self._fakes:
            return self._fake(self._fakes[request.tool], request)
        if spec.service == KNOWLEDGE and self._articles:
            return self._knowledge(request)
        return None

    def _fake(self, tool: FakeTool, request: ToolRequested) -> Answer | None:
        response = next((r for r in tool.responses if arguments_match(r.when, request.arguments)), None)
        if response is None:
            return None
        if response.error is not None:
            return Answer(failed(request, response.kind, response.error), "world")
        return Answer(completed(request, response.result or {}), "world")

    def _knowledge(self, request: ToolRequested) -> Answer:
        if request.tool == GET_ARTICLE.name:
            found = self._articles.get(str(request.arguments.get("article_id")))
            if found is None:
                return Answer(failed(request, "not_found", "there is no such article"), "world")
            citation = self._citation(str(request.arguments["article_id"]), found)
            return Answer(
                completed(request, {"article": {"title": found.title, "body": found.body}, **citation}), "world"
            )
        wanted = set(_WORDS.findall(str(request.arguments.get("query", "")).lower()))
        scored = sorted(
            (
                (len(wanted & set(_WORDS.findall(f"{a.title} {a.body}".lower()))), i, a)
                for i, a in self._articles.items()
            ),
            key=lambda hit: -hit[0],
        )
        hits = [(i, a) for score, i, a in scored if score > 0][: int(request.arguments.get("limit", 5))]
        results = [{"article_id": i, "title": a.title, "snippet": a.body[:300]} for i, a in hits]
        summary = f"{hits[0][1].title}: {hits[0][1].body[:300]}" if hits else "No article matches that question."
        citations = [self._citation(i, a)["citations"][0] for i, a in hits]
        return Answer(completed(request, {"results": results, "citations": citations, "summary": summary}), "world")

    @staticmethod
    def _citation(article_id: str, article: Article) -> dict[str, Any]:
        return {"citations": [{"article_id": article_id, "title": article.title, "url": article.url, "anchor": ""}]}
