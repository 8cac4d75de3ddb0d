"""Replays requested over the API: checked at once (the conversations are the tenant's, the candidate is valid and
buildable), then run in the background, each conversation's diff stored as it finishes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from libs.events import new_id
from libs.platform.runtime import ServiceRuntime
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers import ChatModel
from services.agent.replay.diff import ConversationDiff, ReplaySummary, summarise
from services.agent.replay.recording import ConversationFilter, UnknownConversations, select, unknown
from services.agent.replay.runner import ReplayTarget, replay, risks_of
from services.agent.repository import ReplayRepository, ReplayRow
from services.agent.sandbox.background import Background
from services.agent.sandbox.candidate import Candidate, PreparedCandidate, prepare, tenant_caller
from services.agent.sandbox.documents import validate
from services.agent.tenant_setup import TenantSetup, TenantSetups

Prepare = Callable[[str, Candidate], Awaitable[tuple[PreparedCandidate, TenantSetup]]]


def tenant_candidates(
    setups: TenantSetups, live_model: Callable[[AgentPolicy], ChatModel], settings: AgentSettings
) -> Prepare:
    """Candidates over each tenant's live setup (its catalog and policy, the model its policy runs on)."""

    async def prepare_for(tenant_id: str, candidate: Candidate) -> tuple[PreparedCandidate, TenantSetup]:
        setup = await setups.get(tenant_id)
        caller = tenant_caller(settings)
        base, live = (setup.tools, setup.policy), live_model(setup.policy)
        prepared = await prepare(
            candidate, base, live, settings, caller=caller, procedures=setup.procedures, knowledge=setup.knowledge
        )
        return prepared, setup

    return prepare_for


class NothingToReplay(ValueError):
    """A filter that matches no conversation of the tenant."""


@dataclass(frozen=True)
class ReplayReport:
    row: ReplayRow
    diffs: list[ConversationDiff]

    @property
    def summary(self) -> ReplaySummary:
        return summarise(self.diffs, total=len(self.row.conversation_ids))


class ReplayJobs:
    def __init__(self, runtime: ServiceRuntime, background: Background, prepare: Prepare) -> None:
        self._runtime = runtime
        self._background = background
        self._prepare = prepare

    async def conversations(
        self, tenant_id: str, ids: list[str] | None, wanted: ConversationFilter | None
    ) -> list[str]:
        """The conversations to replay: the given ids (all of them the tenant's), or those the filter selects."""
        log = self._runtime.event_log
        if ids:
            chosen = list(dict.fromkeys(ids))
            missing = await unknown(log, tenant_id, chosen)
            if missing:
                raise UnknownConversations(missing)
            return chosen
        chosen = await select(log, tenant_id, wanted or ConversationFilter())
        if not chosen:
            raise NothingToReplay("no conversation of this tenant matches the filter")
        return chosen

    async def submit(self, tenant_id: str, ids: list[str], candidate_doc: dict[str, Any]) -> str:
        """Start a replay of ``ids`` against the candidate; ``InvalidDocument`` if the candidate is not valid."""
        candidate = validate(Candidate, candidate_doc, "candidate")
        prepared, setup = await self._prepare(tenant_id, candidate)
        replay_id = new_id("rpl")
        async with self._runtime.unit_of_work() as uow:
            await ReplayRepository(uow.session).create(replay_id, tenant_id, candidate.stored(), ids)
        target = ReplayTarget(
            self._runtime.event_log, tenant_id, risks_of(setup.tools, prepared.tools), self._runtime.nc
        )

        async def stopped(reason: str) -> None:
            await self._status(replay_id, "failed", reason)
            await prepared.close()

        self._background.start(replay_id, lambda: self._run(replay_id, ids, prepared, target), stopped)
        return replay_id

    async def _run(self, replay_id: str, ids: list[str], candidate: PreparedCandidate, target: ReplayTarget) -> None:
        await self._status(replay_id, "running")
        positions = {c: i for i, c in enumerate(ids)}

        async def store(diff: ConversationDiff) -> None:
            async with self._runtime.unit_of_work() as uow:
                await ReplayRepository(uow.session).add_result(
                    replay_id, positions[diff.conversation_id], diff.conversation_id, diff.model_dump(mode="json")
                )

        await replay(ids, candidate, target, progress=store)
        await candidate.close()
        await self._status(replay_id, "done")

    async def _status(self, replay_id: str, status: str, error: str | None = None) -> None:
        async with self._runtime.unit_of_work() as uow:
            await ReplayRepository(uow.session).set_status(replay_id, status, error)

    async def report(self, tenant_id: str, replay_id: str) -> ReplayReport | None:
        async with self._runtime.db.session() as session:
            repo = ReplayRepository(session)
            row = await repo.get(tenant_id, replay_id)
            if row is None:
                return None
            results = await repo.results(replay_id)
        return ReplayReport(row, [ConversationDiff.model_validate(r.diff) for r in results])

    async def recent(self, tenant_id: str) -> list[ReplayRow]:
        async with self._runtime.db.session() as session:
            return await ReplayRepository(session).recent(tenant_id)
