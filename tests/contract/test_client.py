"""The generated Python client (clients/python) is generated from the committed contract: regenerate it with
``scripts/generate_client`` whenever docs/openapi.json changes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "clients" / "python" / "deskpilot_client" / "api"
OPERATION = re.compile(r'"method": "(\w+)",\s*"url": "([^"]+)"')


def test_the_client_is_generated_from_the_committed_document() -> None:
    document = hashlib.sha256((ROOT / "docs" / "openapi.json").read_bytes()).hexdigest()
    generated_from = (ROOT / "clients" / "python" / "openapi.sha256").read_text().strip()
    assert generated_from == document, "regenerate the client: scripts/generate_client"


def test_the_client_knows_every_operation_of_the_contract() -> None:
    from deskpilot_client.api.conversation import v1_conversations_conversation_id_messages_post_message as post
    from deskpilot_client.models import PostMessage, Problem

    assert "client_message_id" in PostMessage.__init__.__code__.co_varnames
    assert "idempotency_key" in post.asyncio.__code__.co_varnames
    assert {"type_", "code", "status"} <= set(Problem.__annotations__)


def test_every_operation_and_answer_of_the_contract_is_generated() -> None:
    """openapi-python-client drops, with a mere warning, an operation or an answer whose schema it cannot express
    (a recursive ``anyOf`` did that to every operation taking free-form JSON): every one must be in the client."""
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    generated: dict[tuple[str, str], str] = {}
    for module in API.glob("*/*.py"):
        text = module.read_text()
        for method, url in OPERATION.findall(text):
            generated[(method, url)] = text
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            source = generated.get((method, path))
            assert source is not None, f"{method.upper()} {path} is missing from the client"
            for status, answer in operation["responses"].items():
                if "content" in answer or "$ref" in answer:
                    assert f"response.status_code == {status}:" in source, f"{method.upper()} {path}: {status}"
