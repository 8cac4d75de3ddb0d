"""The tenant setup cache: one read per tenant at a time, and no read kept across an invalidation."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from libs.events import EventLog
from libs.platform.row_security import tenant_scope
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.tenant_setup import TenantSetups
from tests.support import provision_tenant, running


async def test_turns_in_flight_read_an_expired_setup_once(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as (_, runtime):
        tenant = await provision_tenant(event_log, runtime)
        reads = 0

        def sessions() -> Any:
            nonlocal reads
            reads += 1
            return runtime.db.sessions()

        setups = TenantSetups(cast(Any, sessions))
        with tenant_scope(tenant.tenant_id):
            got = await asyncio.gather(*(setups.get(tenant.tenant_id) for _ in range(16)))
            assert reads == 1
            assert all(setup is got[0] for setup in got)
            setups.invalidate(tenant.tenant_id)  # e.g. its catalog changed: the next turn reads it again
            assert await setups.get(tenant.tenant_id) is not got[0]
            assert reads == 2
