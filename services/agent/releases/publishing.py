"""Releases as a tenant works with them: the draft (the editable policy, procedures and tool changes), publishing
through the gate, the rollout, promotion and rollback — each change of what serves new conversations recorded
with who and when. Endpoints and the CLI call these; they own no HTTP."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.runtime import ServiceRuntime
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers import ChatModel
from services.agent.releases.config import KnowledgeScope, ReleaseConfig, tools_of
from services.agent.releases.figures import ReleaseFigures, figures_of
from services.agent.releases.gate import GatePolicy, GateReport, Progress, run_gate
from services.agent.replay.recording import ConversationFilter, select
from services.agent.replay.runner import ReplayTarget, risks_of
from services.agent.repository import (
    ActionRow,
    FigureRepository,
    PolicyRepository,
    ProcedureRepository,
    ReleaseRepository,
    ReleaseRow,
    RolloutRow,
    SuiteRepository,
)
from services.agent.sandbox.candidate import PreparedCandidate, ToolChanges, tenant_caller
from services.agent.sandbox.documents import InvalidDocument, Problem, load_with_lines
from services.agent.simulation.runner import SuiteRun, plan
from services.agent.simulation.suite import Suite
from services.agent.tenant_setup import TenantSetups


class ReleaseNotFound(LookupError):
    """No such release of this tenant (another tenant's reads the same)."""


class ReleaseConflict(ValueError):
    """The request does not fit the rollout as it is (say why)."""


class Unsettled(RuntimeError):
    """What had to be recorded with a new release could not be (e.g. its gate run was marked failed meanwhile)."""


Settle = Callable[[AsyncSession, int], Awaitable[bool]]


@dataclass(frozen=True)
class GatedSuite:
    """A suite a gate runs: given with the request, or stored by the tenant (``stored_as``: the name it is stored
    under, ``PUT /v1/simulations/suites/{name}``)."""

    document: str  # its YAML or JSON text
    stored_as: str | None = None

    def judged(self) -> str | dict[str, Any]:
        """What a gate run's fingerprint holds of it (a given suite: its document, as before stored suites)."""
        return self.document if self.stored_as is None else {"stored_as": self.stored_as, "source": self.document}


@dataclass
class PreparedGate:
    """A gate ready to run: the draft as it was when asked for, its suites planned, the conversations to replay."""

    config: ReleaseConfig
    policy: GatePolicy
    draft: PreparedCandidate
    target: ReplayTarget
    conversation_ids: list[str]
    suites: list[SuiteRun]
    stored_as: list[str | None]  # each suite's stored name (None: given with the request)

    async def run(self, progress: Progress | None = None) -> GateReport:
        try:
            return await run_gate(
                self.policy, self.draft, self.target, self.conversation_ids, self.suites, self.stored_as, progress
            )
        finally:
            await self.close()

    async def close(self) -> None:
        for run in self.suites:
            await run.close()


LARGEST_NUMBER = 2**31 - 1
"""A release's number is a PostgreSQL ``integer``."""


@dataclass
class Releases:
    runtime: ServiceRuntime
    setups: TenantSetups
    models: Callable[[AgentPolicy], ChatModel]  # the model a policy runs on (the tenant's choice, else the service's)
    settings: AgentSettings

    async def draft(self, tenant_id: str) -> ReleaseConfig:
        """What a publish would release now: the tenant's policy and procedures as edited, its tool changes and
        knowledge scope."""
        async with self.runtime.db.session() as session:
            policy = await PolicyRepository(session).get(tenant_id)
            procedures = await ProcedureRepository(session).all(tenant_id)
            draft = await ReleaseRepository(session).draft(tenant_id)
        model = self.models(policy)
        return ReleaseConfig(
            provider=model.provider,
            model=model.model,
            policy=policy,
            procedures=tuple(r.document for r in procedures),
            tools=ToolChanges.model_validate(draft.tools or {}),
            knowledge=KnowledgeScope.model_validate(draft.knowledge or {}),
        )

    async def config(self, tenant_id: str, ref: str) -> ReleaseConfig:
        """``draft`` or a release's number."""
        if ref == "draft":
            return await self.draft(tenant_id)
        row = await self.release(tenant_id, ref)
        return ReleaseConfig.model_validate(row.config)

    async def release(self, tenant_id: str, ref: str | int) -> ReleaseRow:
        number = int(ref) if re.fullmatch(r"[0-9]{1,10}", str(ref)) else None  # ASCII digits only: int("²") fails
        if number is not None and number > LARGEST_NUMBER:
            number = None  # beyond a PostgreSQL integer: no such release
        row = None
        if number is not None:
            async with self.runtime.db.session() as session:
                row = await ReleaseRepository(session).release(tenant_id, number)
        if row is None:
            raise ReleaseNotFound(f"no release {ref}")
        return row

    async def gate_policy(self, tenant_id: str) -> GatePolicy:
        async with self.runtime.db.session() as session:
            draft = await ReleaseRepository(session).draft(tenant_id)
        return GatePolicy.model_validate(draft.gate_policy or {})

    async def set_draft(self, tenant_id: str, **values: dict[str, Any]) -> None:
        async with self.runtime.unit_of_work() as uow:
            await ReleaseRepository(uow.session).put_draft(tenant_id, **values)

    async def gated_suites(self, tenant_id: str, given: Sequence[str]) -> list[GatedSuite]:
        """What a gate of the tenant's draft runs: the suites ``given`` with the request, then every stored one."""
        async with self.runtime.db.session() as session:
            stored = await SuiteRepository(session).all(tenant_id)
        return [GatedSuite(d) for d in given] + [GatedSuite(r.source, r.name) for r in stored]

    async def _suites(self, config: ReleaseConfig, documents: Sequence[GatedSuite]) -> list[SuiteRun]:
        runs: list[SuiteRun] = []
        problems: list[Problem] = []
        caller = tenant_caller(self.settings)
        for i, gated in enumerate(documents):
            try:
                suite, node = load_with_lines(Suite, gated.document, "suite")
                candidate = config.as_candidate("draft")
                live = self.models(config.policy)
                runs.append(await plan(suite, candidate, live, self.settings, node=node, caller=caller))
            except InvalidDocument as exc:
                where = f"suites[{i}]" if gated.stored_as is None else f"stored_suites.{gated.stored_as}"
                problems += [p.under(where) for p in exc.problems]
        if problems:
            for run in runs:
                await run.close()
            raise InvalidDocument("publish", problems)
        return runs

    async def prepare_gate(self, tenant_id: str, suites: Sequence[GatedSuite]) -> PreparedGate:
        """The gate of the draft as it is now, ready to run (:class:`InvalidDocument` if a suite is not valid, or a
        stored one names what the draft or the operator lacks now)."""
        config, policy = await self.draft(tenant_id), await self.gate_policy(tenant_id)
        live = await self.setups.get(tenant_id)
        draft = PreparedCandidate(
            "draft",
            self.models(config.policy),
            tools_of(config.tools, live.tools),
            config.policy,
            False,
            config.compiled(),
            config.knowledge.collections,
        )
        runs = await self._suites(config, suites)
        log = self.runtime.event_log
        wanted = ConversationFilter(last=policy.replay_last, status="resolved") if policy.replay_last else None
        ids = await select(log, tenant_id, wanted) if wanted is not None else []
        target = ReplayTarget(log, tenant_id, risks_of(live.tools, draft.tools), self.runtime.nc)
        return PreparedGate(config, policy, draft, target, ids, runs, [g.stored_as for g in suites])

    async def create(
        self,
        tenant_id: str,
        config: ReleaseConfig,
        notes: str,
        report: GateReport,
        by: str,
        settle: Settle | None = None,
    ) -> ReleaseRow:
        """``config`` (through the gate with ``report``) as the next release. A tenant's first release serves every
        new conversation at once; later ones none until rolled out. ``settle(session, number)`` runs in the same
        transaction (a gate run recording its verdict): if it returns False, nothing is saved (:class:`Unsettled`)."""
        async with self.runtime.unit_of_work() as uow:
            repo = ReleaseRepository(uow.session)
            number = await repo.next_number(tenant_id)
            row = await repo.create(
                tenant_id, number, config.model_dump(mode="json"), notes, report.model_dump(mode="json"), by
            )
            if row is None:
                raise ReleaseConflict("another publish took this release number; publish again")
            if await repo.rollout(tenant_id) is None:
                await repo.set_rollout(tenant_id, number, None, Decimal(0))
            await repo.record(tenant_id, "publish", number, None, by)
            if settle is not None and not await settle(uow.session, number):
                raise Unsettled(f"release {number} was not settled; nothing saved")
        self.setups.invalidate(tenant_id)
        return row

    async def _change(self, tenant_id: str, action: str, rollout: tuple[int, int | None, Decimal], by: str) -> None:
        stable, canary, share = rollout
        async with self.runtime.unit_of_work() as uow:
            repo = ReleaseRepository(uow.session)
            await repo.set_rollout(tenant_id, stable, canary, share)
            await repo.record(tenant_id, action, canary if action == "rollout" else stable, share, by)
        self.setups.invalidate(tenant_id)

    async def overview(self, tenant_id: str) -> tuple[list[ReleaseRow], RolloutRow | None, list[ActionRow]]:
        async with self.runtime.db.session() as session:
            repo = ReleaseRepository(session)
            return await repo.releases(tenant_id), await repo.rollout(tenant_id), await repo.actions(tenant_id)

    async def figures(self, tenant_id: str) -> dict[int, ReleaseFigures]:
        """What each release's conversations came to so far."""
        async with self.runtime.db.session() as session:
            rows = await FigureRepository(session).figures(tenant_id)
        return {r.release: figures_of(r) for r in rows}

    async def current(self, tenant_id: str) -> RolloutRow:
        async with self.runtime.db.session() as session:
            rollout = await ReleaseRepository(session).rollout(tenant_id)
        if rollout is None:
            raise ReleaseConflict("this tenant has published no release yet")
        return rollout

    async def rollout(self, tenant_id: str, number: int, share: Decimal, by: str) -> None:
        """``number`` takes ``share`` % of new conversations; the stable release the rest."""
        current = await self.current(tenant_id)
        await self.release(tenant_id, number)
        if number == current.stable:
            raise ReleaseConflict(f"release {number} is the stable release already")
        await self._change(tenant_id, "rollout", (current.stable, number, share), by)

    async def promote(self, tenant_id: str, number: int, by: str) -> None:
        """``number`` serves every new conversation."""
        await self.current(tenant_id)
        await self.release(tenant_id, number)
        await self._change(tenant_id, "promote", (number, None, Decimal(0)), by)

    async def rollback(self, tenant_id: str, to: int | None, by: str) -> None:
        """New conversations go back: off the release being rolled out, or (``to``) to an earlier release."""
        current = await self.current(tenant_id)
        if to is None:
            if current.canary is None:
                raise ReleaseConflict("nothing is being rolled out; name the release to roll back to (`to`)")
            await self._change(tenant_id, "rollback", (current.stable, None, Decimal(0)), by)
            return
        await self.release(tenant_id, to)
        await self._change(tenant_id, "rollback", (to, None, Decimal(0)), by)
