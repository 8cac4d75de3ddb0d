"""Helpers for tests that observe asynchronous effects across services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from deskpilot.tenants import NewTenant, create_tenant
from libs.events import EventLog
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
