"""Helpers for tests that observe asynchronous effects across services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import httpx2
import pytest
from litestar import Litestar
from sqlalchemy import select

from deskpilot.tenants import NewTenant, create_tenant
from libs.events import Envelope, EventLog, decode
from libs.platform.runtime import ServiceRuntime

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds.

    Asynchronous effects (a consumer projecting an event) have no completion signal to wait on from outside;
    polling with a deadline observes them without guessing a sleep duration.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


async def provision_tenant(log: EventLog, runtime: ServiceRuntime, name: str = "Test") -> NewTenant:
    """Publish ``tenant.created`` and wait until ``runtime``'s service has projected it (its key authenticates)."""
    tenant = await create_tenant(log, name)

    async def known() -> str | None:
        return await runtime.tenants.authenticate(tenant.api_key)

    await eventually(known, what=f"{runtime.name} to learn tenant {tenant.tenant_id}")
    return tenant


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[tuple[httpx2.AsyncClient, ServiceRuntime]]:
    """A service started on the test's own event loop (migrations, NATS, consumers), with an HTTP client that
    calls its app in-process, and its runtime."""
    runtime = app.state.runtime
    assert isinstance(runtime, ServiceRuntime)
    async with (
        runtime.lifespan(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=cast(Any, app)), base_url="http://service") as client,
    ):
        yield client, runtime


async def outbox_events(runtime: ServiceRuntime, event_type: str | None = None) -> list[Envelope]:
    """Every event the service has committed to its outbox (published or not), oldest first."""
    async with runtime.db.session() as session:
        rows = await session.execute(select(runtime.outbox.c.body).order_by(runtime.outbox.c.seq))
        events = [decode(body) for body in rows.scalars()]
    return [e for e in events if event_type is None or e.type == event_type]
