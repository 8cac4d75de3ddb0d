"""Simulations requested over the API: the suite and candidate checked at once (line and field of every problem),
then the trials run in the background, progress counted as they finish and the report stored at the end. And the
tenant's stored suites, checked the same way before they are saved (every publish gate runs them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libs.events import ToolSpec, new_id
from libs.platform.runtime import ServiceRuntime
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers import ChatModel
from services.agent.repository import (
    SimulationListRow,
    SimulationRepository,
    SimulationRow,
    StoredSuiteRow,
    SuiteRepository,
)
from services.agent.sandbox.background import Background
from services.agent.sandbox.candidate import Candidate, tenant_caller
from services.agent.sandbox.documents import InvalidDocument, Problem, load_with_lines, validate
from services.agent.simulation.from_conversations import suite_from_conversations
from services.agent.simulation.report import SuiteReport, TrialReport
from services.agent.simulation.runner import SuiteRun, plan, run_suite
from services.agent.simulation.suite import Suite
from services.agent.tenant_setup import TenantSetups


class SimulationJobs:
    def __init__(
        self,
        runtime: ServiceRuntime,
        background: Background,
        models: Callable[[AgentPolicy], ChatModel],
        settings: AgentSettings,
        setups: TenantSetups,
    ) -> None:
        self._runtime = runtime
        self._background = background
        self._models = models  # the model a policy runs on: the tenant's choice, else the service's
        self._settings = settings
        self._setups = setups

    async def prepare(self, tenant_id: str, suite_doc: str, candidate_doc: dict[str, Any] | None) -> SuiteRun:
        """The run, checked: ``InvalidDocument`` names what is wrong with the suite (by line) or the candidate. It
        runs on the model the tenant's policy chose (as its turns and replays do) unless the candidate names one."""
        suite, node = load_with_lines(Suite, suite_doc, "suite")
        candidate = validate(Candidate, candidate_doc, "candidate") if candidate_doc is not None else None
        caller = tenant_caller(self._settings)
        live = self._models((await self._setups.get(tenant_id)).policy)
        return await plan(suite, candidate, live, self._settings, node=node, caller=caller)

    async def submit(self, tenant_id: str, run: SuiteRun, trials: int) -> str:
        sim_id = new_id("sim")
        candidate = run.candidate.stored() if run.candidate else None
        async with self._runtime.unit_of_work() as uow:
            await SimulationRepository(uow.session).create(
                sim_id, tenant_id, run.suite.suite, candidate, trials, len(run.tasks) * trials
            )

        async def stopped(reason: str) -> None:
            await self._finish(sim_id, "failed", error=reason)
            await run.close()

        self._background.start(sim_id, lambda: self._run(sim_id, tenant_id, run, trials), stopped)
        return sim_id

    async def _run(self, sim_id: str, tenant_id: str, run: SuiteRun, trials: int) -> None:
        done = 0

        async def count(_task: str, _trial: TrialReport) -> None:
            nonlocal done
            done += 1
            async with self._runtime.unit_of_work() as uow:
                await SimulationRepository(uow.session).progress(sim_id, done)

        report = await run_suite(run, trials, tenant_id=tenant_id, progress=count)
        await run.close()
        await self._finish(sim_id, "done", report=report)

    async def _finish(
        self, sim_id: str, status: str, report: SuiteReport | None = None, error: str | None = None
    ) -> None:
        stored = report.model_dump(mode="json") if report is not None else None
        async with self._runtime.unit_of_work() as uow:
            await SimulationRepository(uow.session).finish(sim_id, status, stored, error)

    async def get(self, tenant_id: str, sim_id: str) -> SimulationRow | None:
        async with self._runtime.db.session() as session:
            return await SimulationRepository(session).get(tenant_id, sim_id)

    async def recent(self, tenant_id: str) -> list[SimulationListRow]:
        async with self._runtime.db.session() as session:
            return await SimulationRepository(session).recent(tenant_id)

    async def suite_from(self, tenant_id: str, ids: list[str], name: str) -> Suite:
        """A suite of the tenant's recorded conversations, under its current catalog and policy."""
        setup = await self._setups.get(tenant_id)
        catalog: list[ToolSpec] = setup.tools
        try:
            return await suite_from_conversations(self._runtime.event_log, tenant_id, ids, catalog, setup.policy, name)
        except ValueError as exc:  # every conversation was empty: a suite needs a task
            raise InvalidDocument("request", [Problem("conversations", "none of them has a customer message")]) from exc

    async def save_suite(self, tenant_id: str, name: str, text: str) -> StoredSuiteRow:
        """``text`` saved as the tenant's suite ``name`` (replacing one of that name), once it is checked exactly as a
        simulation's suite is: ``InvalidDocument`` (nothing saved) names every problem."""
        run = await self.prepare(tenant_id, text, None)
        await run.close()
        async with self._runtime.unit_of_work() as uow:
            return await SuiteRepository(uow.session).put(
                tenant_id, name, text, run.suite.model_dump(mode="json", exclude_unset=True)
            )

    async def stored_suites(self, tenant_id: str) -> list[StoredSuiteRow]:
        async with self._runtime.db.session() as session:
            return await SuiteRepository(session).all(tenant_id)

    async def stored_suite(self, tenant_id: str, name: str) -> StoredSuiteRow | None:
        async with self._runtime.db.session() as session:
            return await SuiteRepository(session).get(tenant_id, name)

    async def delete_suite(self, tenant_id: str, name: str) -> bool:
        async with self._runtime.unit_of_work() as uow:
            return await SuiteRepository(uow.session).delete(tenant_id, name)
