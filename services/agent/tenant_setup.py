"""A tenant's tool catalog, policy and procedures, cached per agent process, and the agent release a conversation
runs under.

Read on every trigger, they would cost several queries per turn step. An entry is dropped the moment this process
sees the tenant's catalog change (``tools.published``, e.g. a connection revoked) or its policy saved here, and
expires after ``ttl`` seconds so a change made through another replica is seen within that time.

Once a tenant has published a release, its conversations run under releases instead (docs/releases.md): the one a
conversation's first turn recorded, else the one the rollout assigns a new conversation — read afresh for every
new conversation, so a rollback applies at once on every replica. Releases never change, so they are cached.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events import ToolSpec
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure, compile_procedure
from services.agent.procedures.document import ProcedureDocument
from services.agent.releases.config import ReleaseConfig, assign, tools_of
from services.agent.repository import (
    CatalogRepository,
    PolicyRepository,
    ProcedureRepository,
    ProcedureRow,
    ReleaseRepository,
)

RELEASES_CACHED = 1000


@dataclass(frozen=True)
class TenantSetup:
    tools: list[ToolSpec]
    policy: AgentPolicy
    procedures: tuple[Procedure, ...] = ()
    release: int | None = None
    knowledge: tuple[str, ...] | None = None  # the release's knowledge scope (none: the whole knowledge base)


def compiled(rows: list[ProcedureRow]) -> tuple[Procedure, ...]:
    """Stored procedures (validated when saved) ready for the runtime."""
    return tuple(compile_procedure(ProcedureDocument.model_validate(r.document), r.version) for r in rows)


class TenantSetups:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl: float = 5.0) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._entries: dict[str, tuple[float, TenantSetup]] = {}
        self._loading: dict[str, asyncio.Future[TenantSetup]] = {}
        self._generation: dict[str, int] = {}  # invalidations per tenant, so a read begun before one is not kept
        self._unreleased: dict[str, float] = {}  # tenants seen without a release, and when
        self._releases: OrderedDict[tuple[str, int], tuple[ReleaseConfig, tuple[Procedure, ...]]] = OrderedDict()

    async def get(self, tenant_id: str) -> TenantSetup:
        cached = self._entries.get(tenant_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        # One read per tenant at a time: when the entry expires under load, every turn in flight for the tenant
        # would otherwise read and compile the same setup at once.
        loading = self._loading.get(tenant_id)
        if loading is None:
            loading = asyncio.ensure_future(self._load(tenant_id))
            self._loading[tenant_id] = loading
            loading.add_done_callback(lambda done: self._loaded(tenant_id, done))
        return await asyncio.shield(loading)

    def _loaded(self, tenant_id: str, done: asyncio.Future[TenantSetup]) -> None:
        if self._loading.get(tenant_id) is done:
            del self._loading[tenant_id]

    async def _load(self, tenant_id: str) -> TenantSetup:
        generation = self._generation.get(tenant_id, 0)
        async with self._sessions() as session:
            setup = TenantSetup(
                tools=await CatalogRepository(session).tools(tenant_id),
                policy=await PolicyRepository(session).get(tenant_id),
                procedures=compiled(await ProcedureRepository(session).all(tenant_id)),
            )
        if self._generation.get(tenant_id, 0) == generation:  # not invalidated while it was being read
            self._entries[tenant_id] = (time.monotonic(), setup)
        return setup

    def invalidate(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)
        self._unreleased.pop(tenant_id, None)
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1
        self._loading.pop(tenant_id, None)  # a read begun before the change must not serve callers after it

    async def for_conversation(self, tenant_id: str, conversation_id: str, pinned: int | None) -> TenantSetup:
        """The setup a conversation runs under: its release (``pinned``: the one it started under), a new
        conversation's by the rollout, or the tenant's unreleased setup while it has published none."""
        base = await self.get(tenant_id)
        number = pinned if pinned is not None else await self._assigned(tenant_id, conversation_id)
        if number is None:
            return base
        found = await self._release(tenant_id, number)
        if found is None:
            return base
        config, procedures = found
        tools = tools_of(config.tools, base.tools)
        return TenantSetup(tools, config.policy, procedures, number, config.knowledge.collections)

    async def _assigned(self, tenant_id: str, conversation_id: str) -> int | None:
        seen = self._unreleased.get(tenant_id)
        if seen is not None and time.monotonic() - seen < self._ttl:
            return None
        async with self._sessions() as session:
            rollout = await ReleaseRepository(session).rollout(tenant_id)
        if rollout is None:
            self._unreleased[tenant_id] = time.monotonic()
            return None
        return assign(rollout.stable, rollout.canary, rollout.share, tenant_id, conversation_id)

    async def _release(self, tenant_id: str, number: int) -> tuple[ReleaseConfig, tuple[Procedure, ...]] | None:
        key = (tenant_id, number)
        cached = self._releases.get(key)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            row = await ReleaseRepository(session).release(tenant_id, number)
        if row is None:
            return None
        config = ReleaseConfig.model_validate(row.config)
        self._releases[key] = (config, config.compiled())
        while len(self._releases) > RELEASES_CACHED:
            self._releases.popitem(last=False)
        return self._releases[key]
