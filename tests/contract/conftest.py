"""One conversation service for the contract tests (edge, idempotency, the operator API): started once for the
package, with an operator key, so that each module does not pay for a service start of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from tests.support import running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
OPERATOR_KEY = "dpo_test-operator-key-of-at-least-32-characters"


@pytest.fixture(scope="package")
async def conversation(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = ConversationSettings.model_validate(
        {"NATS_URL": nats_url, "DATABASE_URL": database_url, "DESKPILOT_OPERATOR_KEY": OPERATOR_KEY}
    )
    async with running(create_app(settings)) as svc:
        yield svc
