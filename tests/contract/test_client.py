"""The generated Python client (clients/python) is generated from the committed contract: regenerate it with
``scripts/generate_client`` whenever docs/openapi.json changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
