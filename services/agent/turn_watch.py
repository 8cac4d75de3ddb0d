"""The wall clock of turns: open turns are recorded with a deadline, and a sweep hands over the overdue ones."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.agent.repository import TurnRepository
from services.agent.service import Agent
from services.agent.tenant_setup import TenantSetups

log = logging.getLogger("deskpilot.agent")


class TurnWatch:
    """Told by the agent when a turn opens or ends; knows which turns are overdue."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def opened(self, tenant_id: str, conversation_id: str, turn_id: str, seconds: float) -> None:
        deadline = datetime.now(UTC) + timedelta(seconds=seconds)
        async with self._sessions() as session, session.begin():
            await TurnRepository(session).opened(tenant_id, conversation_id, turn_id, deadline)

    async def closed(self, tenant_id: str, conversation_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await TurnRepository(session).closed(tenant_id, conversation_id)

    async def closed_if_ended(self, agent: Agent, tenant_id: str, conversation_id: str) -> None:
        if not agent.is_waiting(tenant_id, conversation_id):
            await self.closed(tenant_id, conversation_id)

    async def due(self) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            return await TurnRepository(session).due(datetime.now(UTC))


async def sweep_once(agent: Agent, watch: TurnWatch, setups: TenantSetups) -> int:
    """Advance every overdue turn (which ends it with the turn_seconds limit); returns how many were seen."""
    due = await watch.due()
    for tenant_id, conversation_id in due:
        setup = await setups.get(tenant_id)
        await agent.advance(tenant_id, conversation_id, setup.tools, setup.policy, overdue=True)
        # Ended (or never ours to end): forget it; still waiting under a newer deadline: advance re-recorded it.
        await watch.closed_if_ended(agent, tenant_id, conversation_id)
    return len(due)


async def sweep_forever(agent: Agent, watch: TurnWatch, setups: TenantSetups, interval: float = 2.0) -> None:
    while True:
        try:
            await sweep_once(agent, watch, setups)
        except Exception:
            log.exception("turn sweep failed; retrying in %.1fs", interval)
        await asyncio.sleep(interval)
