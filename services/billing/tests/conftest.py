"""One billing service for all billing tests (its tables' metadata can be bound to one runtime per process).

Scoped to this package: a billing service left running would book every other test's events and append
``usage.recorded`` to their conversations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from libs.platform.runtime import ServiceRuntime
from services.billing.app import create_app
from services.billing.config import BillingSettings
from tests.support import running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]


@pytest.fixture(scope="package")
async def billing(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = BillingSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc
