"""Isolation fuzzing (issue 17): tenant A's resources, and every route with an id in its path called with tenant B's
credentials and A's ids — exact, in other case, padded, with look-alike characters — on ``deskpilot up``, whose
services run under row-level security. Always 404 (never a 200 or 403 that would confirm the id exists), never any
of A's data in the body, and A's resources intact afterwards.

The routes come from the apps themselves (``deskpilot.architecture_docs``): a new route with a path id fails
``test_every_route_with_a_path_id_is_fuzzed`` until it is given an owner of its id here, or a reason to be left out.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskpilot.architecture_docs import service_views
from tests.e2e.conftest import Platform
from tests.e2e.contract_fuzz import schemathesis

T = TypeVar("T")
A_EMAIL = "zelda.quuxworth@a-tenant.example"
A_WORDS = ("Zelda Quuxworth", "Quuxworth", "zelda.agent@a-tenant.example", "Vorpal teapot policy", "quux-origin")

# Path parameters that are not one tenant's ids: names every tenant shares, or public, signed routes.
LEFT_OUT = {
    "/v1/integrations/{name}": "an integration's name from the shared manifests; B acts on its own connection",
    "/v1/integrations/{name}/mode": "an integration's name from the shared manifests",
    "/v1/integrations/{name}/test": "an integration's name from the shared manifests",
    "/v1/integrations/mcp/{server}": "a name B chooses for its own MCP server",
    "/v1/integrations/mcp/{server}/mode": "a name B chooses for its own MCP server",
    "/v1/integrations/mcp/{server}/refresh": "a name B chooses for its own MCP server",
    "/v1/integrations/mcp/{server}/test": "a name B chooses for its own MCP server",
    "/v1/integrations/webhooks/{provider}/secret": "a provider's name; B sets its own secret",
    "/v1/integrations/webhooks/{provider}/{tenant}": "public, authenticated by the provider's signature",
    "/v1/agent/releases/{number}": "a tenant's own release number: each tenant counts its releases from 1",
    "/v1/agent/releases/{number}/rollout": "a tenant's own release number: each tenant counts its releases from 1",
    "/v1/agent/releases/{number}/promote": "a tenant's own release number: each tenant counts its releases from 1",
    "/v1/tickets/sla-policy/{priority}": "a priority (low … urgent), B's own policy",
    "PUT /v1/agent/procedures/{name}": "saves B's own procedure of that name (its GET and DELETE are fuzzed)",
    "PUT /v1/simulations/suites/{name}": "saves B's own stored suite of that name (its GET and DELETE are fuzzed)",
    "/v1/conversations/chat/{conversation_id}/ws": "a WebSocket (its refusal is tested in services/conversation)",
}

# Bodies valid for each route that takes one, so that a refusal comes from the id and not from validation.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/conversations/{conversation_id}/messages"): {"text": "hello from B"},
    ("POST", "/v1/conversations/chat/{conversation_id}/messages"): {"text": "hello from B"},
    ("POST", "/v1/conversations/chat/{conversation_id}/csat"): {"score": 5},
    ("POST", "/v1/agent/conversations/{conversation_id}/approvals/{tool_call_id}"): {
        "approved": True,
        "decided_by": "b@b.example",
    },
    ("PATCH", "/v1/knowledge/articles/{article_id}"): {"title": "B was here"},
    ("PATCH", "/v1/tickets/{ticket_id}"): {"priority": "urgent"},
    ("POST", "/v1/tickets/{ticket_id}/assignment"): {"agent_id": None},
    ("POST", "/v1/tickets/{ticket_id}/csat"): {"score": 1},
    ("POST", "/v1/tickets/{ticket_id}/handback"): {"note": "B was here"},
    ("POST", "/v1/tickets/{ticket_id}/notes"): {"text": "B was here"},
    ("POST", "/v1/tickets/{ticket_id}/replies"): {"text": "B was here"},
    ("POST", "/v1/tickets/{ticket_id}/status"): {"status": "resolved"},
    ("PATCH", "/v1/tickets/agents/{agent_id}"): {"team": "B"},
    ("PUT", "/v1/tickets/agents/{agent_id}/password"): {"password": "b-was-here-0123456789"},
}

# Which of A's ids a parameter names, where the name alone is ambiguous.
KINDS = {
    ("/v1/agent/procedures/{name}", "name"): "procedure",
    ("/v1/simulations/suites/{name}", "name"): "suite",
    ("/v1/conversations/widget-keys/{key_id}", "key_id"): "widget_key",
    ("/v1/tickets/api-keys/{key_id}", "key_id"): "api_key",
    ("/v1/tickets/api-keys/{key_id}/rotate", "key_id"): "api_key",
}

# Cyrillic and fullwidth characters that look like an id's ASCII ones (escaped: they would look alike here too).
LOOKALIKES = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "o": "\u043e", "p": "\u0440", "x": "\u0445", "i": "\u0456",
    "k": "\u043a", "_": "\uff3f", "0": "\uff10",
}  # fmt: skip
ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What any id of the platform looks like; a value outside it may be refused for its shape (422) instead of 404."""
A_SUITE = """suite: quux-origin
description: Vorpal teapot policy
tasks:
  - id: greeting
    customer: {messages: ["hello"], customer_id: zelda.quuxworth@a-tenant.example}
    expect: {handoff: false}
"""
PADDING = (" ", "%20", "\u00a0", "\u200b", "\ufeff", "+", "%2B")


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    @property
    def params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


class World:
    """Tenant A's ids, and B's credentials: its key, its human agent's (routes done in an agent's name refuse the
    tenant's own key), its widget chat's headers."""

    def __init__(
        self, platform: Platform, b_key: str, b_agent_key: str, b_widget: dict[str, str], ids: dict[str, str]
    ) -> None:
        self.platform, self.b_key, self.b_agent_key, self.b_widget, self.ids = (
            platform,
            b_key,
            b_agent_key,
            b_widget,
            ids,
        )

    def __repr__(self) -> str:  # hypothesis prints it with a failing example: A's ids, no keys or environment
        return f"World(ids={self.ids})"

    def a_id(self, route: Route, param: str) -> str:
        kind = KINDS.get((route.path, param), param.removesuffix("_id"))
        return self.ids.get(kind) or f"{kind}_0192f3a4b5c6d7e8f9a0b1c2d3e4f5a6"  # none of A's: the shape of an id

    def call(self, client: httpx2.Client, route: Route, values: dict[str, str]) -> httpx2.Response:
        """B's request; a 403 for the key's role (the same for any id) is asked again with B's human agent's key."""
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        chat = route.path.startswith("/v1/conversations/chat/")
        headers = self.b_widget if chat else {"Authorization": f"Bearer {self.b_key}"}
        body = BODIES.get((route.method, route.path))
        response = client.request(route.method, self.platform.base + path, headers=headers, json=body)
        if response.status_code == 403 and not chat:
            agent = {"Authorization": f"Bearer {self.b_agent_key}"}
            response = client.request(route.method, self.platform.base + path, headers=agent, json=body)
        return response


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 120.0) -> T:
    """Poll ``check`` (state, not time) until it answers; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)


def _left_out(method: str, path: str) -> bool:
    return path in LEFT_OUT or f"{method} {path}" in LEFT_OUT


def fuzzed_routes() -> list[Route]:
    routes = {
        Route(r.method, r.path)
        for view in service_views()
        for r in view.routes
        if "{" in r.path and r.method not in ("OPTIONS", "WS") and not _left_out(r.method, r.path)
    }
    return sorted(routes, key=lambda r: (r.path, r.method))


def test_every_route_with_a_path_id_is_fuzzed() -> None:
    every = {(r.method, r.path) for view in service_views() for r in view.routes if "{" in r.path}
    fuzzed = {(r.method, r.path) for r in fuzzed_routes()}
    unexplained = {(m, p) for m, p in every - fuzzed if m != "OPTIONS" and not _left_out(m, p)}
    assert not unexplained, unexplained
    named = {p for _, p in every} | {f"{m} {p}" for m, p in every}
    assert not set(LEFT_OUT) - named, f"left out but gone: {set(LEFT_OUT) - named}"
    for route in fuzzed_routes():
        if route.method in ("POST", "PATCH", "PUT"):  # a valid body, or the route would refuse before looking
            assert (route.method, route.path) in BODIES or not _takes_body(route), f"no body for {route}"


def _takes_body(route: Route) -> bool:
    return not route.path.endswith(("/publish", "/rotate"))


def _json(response: httpx2.Response, what: str) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), f"{what}: {response.status_code} {response.text[:300]}"
    body: dict[str, Any] = response.json()
    return body


def _a_resources(client: httpx2.Client, platform: Platform) -> dict[str, str]:
    base, auth = platform.base, platform.headers()

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _json(client.post(base + path, headers=auth, json=body), path)

    cid = post("/v1/conversations", {"customer_id": A_EMAIL})["id"]
    post(f"/v1/conversations/{cid}/messages", {"text": "I want to talk to a human. I am Zelda Quuxworth."})

    def ticket() -> str | None:
        events = client.get(f"{base}/v1/conversations/{cid}/events", headers=auth).json()["events"]
        return next((e["payload"]["ticket_id"] for e in events if e["type"] == "ticket.created"), None)

    ids = {"conversation": cid, "ticket": wait_for(ticket, what="A's ticket")}
    ids["widget_key"] = post("/v1/conversations/widget-keys", {"allowed_origins": ["https://quux-origin.example"]})[
        "key_id"
    ]
    ids["export"] = post("/v1/privacy/exports", {"conversation_ids": [cid]})["id"]
    erased = post("/v1/conversations", {"customer_id": "gone@a-tenant.example"})["id"]
    ids["erasure"] = post("/v1/privacy/erasures", {"conversation_ids": [erased]})["id"]
    ids["article"] = post("/v1/knowledge/articles", {"title": "Vorpal teapot policy", "body": "Quuxworth only."})[
        "article_id"
    ]
    ids["agent"] = post("/v1/tickets/agents", {"name": "Zelda Quuxworth", "email": "zelda.agent@a-tenant.example"})[
        "agent_id"
    ]
    ids["api_key"] = post("/v1/tickets/api-keys", {"name": "Quuxworth's key"})["key_id"]
    ids["replay"] = post("/v1/replays", {"conversations": [cid]})["id"]
    procedures = _json(client.get(f"{base}/v1/agent/procedures", headers=auth), "A's procedures")["items"]
    if procedures:  # the demo tenant's
        ids["procedure"] = procedures[0]["name"]
    ids["suite"] = "quuxworth-suite"
    stored = client.put(f"{base}/v1/simulations/suites/{ids['suite']}", headers=auth, json={"source": A_SUITE})
    _json(stored, "A's stored suite")
    return ids


def _b_tenant(client: httpx2.Client, platform: Platform) -> tuple[str, str, dict[str, str]]:
    created = platform.cli("tenants", "create", "Other Co")
    assert created.returncode == 0, created.stderr
    key = next(line.split(": ", 1)[1] for line in created.stdout.splitlines() if line.startswith("api key: "))
    auth = {"Authorization": f"Bearer {key}"}
    probes = ("/v1/conversations", "/v1/agent/tools", "/v1/integrations", "/v1/knowledge/articles", "/v1/tickets")

    def known() -> bool:
        return all(client.get(platform.base + p, headers=auth).status_code == 200 for p in probes)

    wait_for(known, what="every service to know tenant B")
    agent = client.post(f"{platform.base}/v1/tickets/agents", headers=auth, json={"name": "B's agent"})
    agent_key = _json(agent, "B's human agent")["api_key"]
    origin = "https://b-tenant.example"
    widget = _json(
        client.post(f"{platform.base}/v1/conversations/widget-keys", headers=auth, json={"allowed_origins": [origin]}),
        "B's widget key",
    )["widget_key"]
    chat_headers = {"X-Widget-Key": widget, "Origin": origin}
    opened = _json(client.post(f"{platform.base}/v1/conversations/chat", headers=chat_headers, json={}), "B's chat")
    return key, agent_key, {**chat_headers, "X-Client-Token": opened["client_token"]}


@pytest.fixture(scope="module")
def world(platform: Platform) -> Iterator[World]:
    with httpx2.Client(timeout=30) as client:
        ids = _a_resources(client, platform)
        b_key, b_agent_key, b_widget = _b_tenant(client, platform)
        yield World(platform, b_key, b_agent_key, b_widget, ids)


def _a_data_in(response: httpx2.Response, world: World, asked: set[str]) -> list[str]:
    """A's distinctive strings and ids in the body, other than the ids the request itself carried."""
    text = response.text
    found = [word for word in (A_EMAIL, *A_WORDS) if word in text]
    return found + [i for i in world.ids.values() if i in text and not any(i in value for value in asked)]


def _refused_by_shape(response: httpx2.Response, values: dict[str, str]) -> bool:
    """A 422 naming a parameter whose value no id can have: decided by the text alone, the same for every tenant."""
    if response.status_code != 422:
        return False
    named = {e.get("field") for e in response.json().get("errors", [])}
    return any(name in named and not ID_SHAPE.fullmatch(value) for name, value in values.items())


def _problem(world: World, client: httpx2.Client, route: Route, values: dict[str, str]) -> str | None:
    response = world.call(client, route, values)
    what = f"{route.method} {route.path} with {json.dumps(values, ensure_ascii=True)}"
    if response.status_code != 404 and not _refused_by_shape(response, values):
        return f"{what}: {response.status_code} {response.text[:300]}"
    leaked = _a_data_in(response, world, set(values.values()))
    return f"{what} answered with A's data: {leaked}" if leaked else None


def test_b_gets_404_for_every_route_with_as_exact_ids(world: World) -> None:
    with httpx2.Client(timeout=30) as client:
        problems = [_problem(world, client, r, {p: world.a_id(r, p) for p in r.params}) for r in fuzzed_routes()]
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)


def _variants(original: str) -> st.SearchStrategy[str]:
    def lookalike(i: int) -> str:
        return original[:i] + LOOKALIKES.get(original[i].lower(), original[i].upper()) + original[i + 1 :]

    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in original)
    return st.one_of(
        st.sampled_from([original.upper(), original.swapcase(), original.title(), fullwidth]),
        st.sampled_from(PADDING).flatmap(lambda pad: st.sampled_from([pad + original, original + pad])),
        st.integers(0, len(original) - 1).map(lookalike),
        st.just(unicodedata.normalize("NFD", original.replace("e", "é"))),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_b_gets_404_for_as_ids_in_another_case_padded_or_looking_alike(world: World, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(fuzzed_routes()), label="route")
    values = {p: data.draw(_variants(world.a_id(route, p)), label=p) for p in route.params}
    with httpx2.Client(timeout=30) as client:
        problem = _problem(world, client, route, values)
    assert problem is None, problem


def test_as_resources_are_intact_after_the_fuzzing(world: World) -> None:
    base, auth = world.platform.base, world.platform.headers()
    reads: dict[str, Callable[[str], str]] = {
        "conversation": lambda i: f"/v1/conversations/{i}",
        "ticket": lambda i: f"/v1/tickets/{i}",
        "article": lambda i: f"/v1/knowledge/articles/{i}",
        "replay": lambda i: f"/v1/replays/{i}",
        "export": lambda i: f"/v1/privacy/exports/{i}",
        "suite": lambda i: f"/v1/simulations/suites/{i}",
    }
    with httpx2.Client(timeout=30) as client:
        for kind, path in reads.items():
            assert client.get(base + path(world.ids[kind]), headers=auth).status_code == 200, kind
        ticket = client.get(f"{base}/v1/tickets/{world.ids['ticket']}", headers=auth).json()
        assert ticket["priority"] != "urgent"
        assert ticket["status"] != "resolved"
        article = client.get(f"{base}/v1/knowledge/articles/{world.ids['article']}", headers=auth).json()
        assert article["title"] == "Vorpal teapot policy"
        keys = client.get(f"{base}/v1/tickets/api-keys", headers=auth).json()["items"]
        assert any(k["key_id"] == world.ids["api_key"] and k["revoked_at"] is None for k in keys)
        widgets = client.get(f"{base}/v1/conversations/widget-keys", headers=auth).json()["items"]
        assert any(k["key_id"] == world.ids["widget_key"] and k["revoked_at"] is None for k in widgets)


# Every check must pass for every operation, positive-data acceptance (ST202) included (issue 20), and no response
# may be >= 500 (ST101). What no schema could state is typed so that one can: procedures and suites are texts of the
# contract's own formats (deskpilot-procedure, deskpilot-suite), generated valid by the fuzz hooks; a candidate is
# typed field by field; each integration has a connect operation of its own, its body typed from its manifest.
# Rules that rest on the server's state answer 404/409, documented (an OAuth state, a collection, a configured model,
# a verification code, a replay filter, a tool or a tool's field a document names, an integration's OAuth app); the
# operator's rules 403 (a private address); reports take 'from' + 'days'; MCP servers are a union by transport; a
# crawl, SSO issuer or MCP server that does not answer is the crawl's failure, the saved settings' issuer_problem or
# the saved server's problem, and an imported file that cannot be read is the import's problem.


def test_schemathesis_over_the_contract_with_each_tenants_key(world: World, tmp_path: Path) -> None:
    """Every check, fixed seed, one example per operation (tests/e2e/contract_fuzz.py): A and then B (on the same
    platform) run the stateful links (create → read → update → delete) with their own keys. The fuzzing phase over
    every operation costs ~2 min and runs in benchmarks/api_fuzz.py, to keep CI within its 15 minutes."""
    base = world.platform.base
    runs = {
        "A": schemathesis(base, world.platform.api_key, tmp_path / "A", "stateful"),
        "B": schemathesis(base, world.b_key, tmp_path / "B", "stateful"),
    }
    report = json.dumps({name: run.as_dict() for name, run in runs.items()}, indent=1)
    assert all(run.requests for run in runs.values()), report
    assert not [f for run in runs.values() for f in run.failures], report
    assert not [e for run in runs.values() for e in run.errors], report
