"""A tenant's tool catalog and policy, cached per agent process.

Read on every trigger, they would cost two queries per turn step. An entry is dropped the moment this process
sees the tenant's catalog change (``tools.published``, e.g. a connection revoked) or its policy saved here, and
expires after ``ttl`` seconds so a change made through another replica is seen within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events import ToolSpec
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure, compile_procedure
from services.agent.procedures.document import ProcedureDocument
from services.agent.repository import CatalogRepository, PolicyRepository, ProcedureRepository, ProcedureRow


@dataclass(frozen=True)
class TenantSetup:
    tools: list[ToolSpec]
    policy: AgentPolicy
    procedures: tuple[Procedure, ...] = ()


def compiled(rows: list[ProcedureRow]) -> tuple[Procedure, ...]:
    """Stored procedures (validated when saved) ready for the runtime."""
    return tuple(compile_procedure(ProcedureDocument.model_validate(r.document), r.version) for r in rows)


class TenantSetups:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl: float = 5.0) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._entries: dict[str, tuple[float, TenantSetup]] = {}

    async def get(self, tenant_id: str) -> TenantSetup:
        cached = self._entries.get(tenant_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        async with self._sessions() as session:
            setup = TenantSetup(
                tools=await CatalogRepository(session).tools(tenant_id),
                policy=await PolicyRepository(session).get(tenant_id),
                procedures=compiled(await ProcedureRepository(session).all(tenant_id)),
            )
        self._entries[tenant_id] = (time.monotonic(), setup)
        return setup

    def invalidate(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)
