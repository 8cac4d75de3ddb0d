"""``deskpilot up``'s demo set-up through the generated client (deskpilot/demo.py), against a stand-in for the API:
what it keeps and reuses across restarts, and how a refusal reads. The real API's side runs in tests/e2e, whose
platform is ``deskpilot up``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from deskpilot_client import AuthenticatedClient

from deskpilot.demo import (
    DEMO_FILE,
    PROCEDURES_FILE,
    SUPPORT_ADDRESS,
    DemoSetupError,
    demo_policy,
    demo_procedures,
    demo_support_address,
    demo_web,
)
from libs import demo_store
from libs.platform.problems import problem

ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]
CREATED_AT = "2026-12-06T17:00:00Z"


class WidgetKeys:
    """GET and POST /v1/conversations/widget-keys, as the conversation service answers them."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer dp_demo"
        assert request.url.path == "/v1/conversations/widget-keys"
        if request.method == "GET":
            return httpx.Response(200, json={"items": self.keys})
        key = {
            "key_id": f"wk_{len(self.keys) + 1}",
            "key_prefix": "dpw_x",
            "allowed_origins": json.loads(request.content)["allowed_origins"],
            "created_at": CREATED_AT,
        }
        self.keys.append({**key, "revoked_at": None})
        return httpx.Response(201, json={**key, "widget_key": f"dpw_secret_{len(self.keys)}"})


def api(handler: Any) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url="http://conversation", token="dp_demo", httpx_args={"transport": httpx.MockTransport(handler)}
    )


async def test_the_widget_key_is_kept_while_the_api_has_it_active_for_the_same_origins(tmp_path: Path) -> None:
    keys = WidgetKeys()
    async with api(keys) as client:
        first = await demo_web(client, tmp_path, ORIGINS)
        assert (first.widget_key, first.widget_key_id) == ("dpw_secret_1", "wk_1")
        assert json.loads((tmp_path / DEMO_FILE).read_text())["widget_key_id"] == "wk_1"
        assert (tmp_path / DEMO_FILE).stat().st_mode & 0o777 == 0o600
        assert await demo_web(client, tmp_path, list(reversed(ORIGINS))) == first  # a restart: the same key
        moved = await demo_web(client, tmp_path, ["http://127.0.0.1:9000"])  # another port: a key for it
        assert moved.widget_key_id == "wk_2"
        keys.keys[1]["revoked_at"] = CREATED_AT  # revoked in the console: a new one
        assert (await demo_web(client, tmp_path, ["http://127.0.0.1:9000"])).widget_key_id == "wk_3"


async def test_procedures_are_given_once_and_a_refusal_names_the_problem(tmp_path: Path) -> None:
    sources = list(demo_store.procedure_sources().values())
    refused = problem(422, "invalid or missing: source", errors=[{"field": "source", "message": "not YAML"}])

    def refuse(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"source": sources[0]}
        return httpx.Response(422, json=refused)

    async with api(refuse) as client:
        with pytest.raises(DemoSetupError, match="give a demo procedure: 422 invalid or missing: source"):
            await demo_procedures(client, tmp_path)
    assert not (tmp_path / PROCEDURES_FILE).exists()  # tried again on the next start

    def give(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["source"] == sources[0]:
            return httpx.Response(409, json=problem(409, "a procedure of that name exists"))
        return httpx.Response(201, json=procedure(f"p{sources.index(json.loads(request.content)['source'])}"))

    async with api(give) as client:
        assert await demo_procedures(client, tmp_path) == [f"p{i}" for i in range(1, len(sources))]
        assert await demo_procedures(client, tmp_path) == []  # once per data dir


def procedure(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "enabled": True,
        "applies_when": "always",
        "keywords": [],
        "tools": [],
        "guarded_tools": [],
        "updated_at": CREATED_AT,
        "source": "",
        "document": {},
        "created_at": CREATED_AT,
    }


async def test_the_support_address_is_registered_once_per_data_dir(tmp_path: Path) -> None:
    asked: list[dict[str, Any]] = []

    def register(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/v1/conversations/email-addresses")
        asked.append(json.loads(request.content))
        if len(asked) == 1:
            return httpx.Response(503, json=problem(503, "conversation cannot reach its database right now"))
        return httpx.Response(202, json={"address": SUPPORT_ADDRESS, "status": "pending"})

    async with api(register) as client:
        with pytest.raises(DemoSetupError, match="register the demo support address: 503 conversation cannot"):
            await demo_support_address(client, tmp_path)
        assert await demo_support_address(client, tmp_path) == SUPPORT_ADDRESS  # tried again on the next start
        assert await demo_support_address(client, tmp_path) is None  # once: a tenant that removed it keeps it so
    assert asked == [{"address": SUPPORT_ADDRESS}] * 2
    assert SUPPORT_ADDRESS.endswith(".example"), "a reserved domain: its code is delivered nowhere"


async def test_the_demo_persona_is_written_once_and_never_over_a_tenants_own_words(tmp_path: Path) -> None:
    policy: dict[str, Any] = {"persona": "", "instructions": "", "approval_rules": [], "model": None}
    puts: list[dict[str, Any]] = []

    def agent(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/agent/policy"
        if request.method == "PUT":
            puts.append(json.loads(request.content))
            policy.update(puts[-1])
        return httpx.Response(200, json=policy)

    async with api(agent) as client:
        assert await demo_policy(client, tmp_path)
        assert await demo_policy(client, tmp_path) is False  # once per data dir
    assert len(puts) == 1
    assert puts[0]["persona"].startswith("Robin, the Demo Store's")
    assert puts[0]["approval_rules"] == []  # the rest of the policy is sent back as it was

    mine = tmp_path / "mine"
    mine.mkdir()
    policy["persona"], policy["instructions"] = "", "our own rules"
    async with api(agent) as client:
        assert await demo_policy(client, mine) is False
    assert len(puts) == 1
