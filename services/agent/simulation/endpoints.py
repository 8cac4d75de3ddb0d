"""The simulation API: ``POST /v1/simulations`` (202 and an id), ``GET /v1/simulations`` (the newest, with their
outcome), ``GET /v1/simulations/{id}`` (progress, report),
``POST /v1/simulations/suites`` (a suite from recorded conversations); the tenant's stored suites, which every
publish gate runs: ``PUT``, ``GET`` and ``DELETE /v1/simulations/suites/{name}``, ``GET /v1/simulations/suites``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from libs.platform.http import TenantId
from services.agent.replay.recording import UnknownConversations
from services.agent.repository import StoredSuiteRow
from services.agent.sandbox.documents import InvalidDocument
from services.agent.sandbox.http import refused
from services.agent.simulation.jobs import SimulationJobs
from services.agent.simulation.report import SuiteReport
from services.agent.simulation.schemas import (
    SimulationAccepted,
    SimulationList,
    SimulationListItem,
    SimulationProgress,
    SimulationRequest,
    SimulationView,
    StoredSuiteList,
    StoredSuiteRequest,
    StoredSuiteSummary,
    StoredSuiteView,
    SuiteFromConversations,
)
from services.agent.simulation.suite import NAME

Jobs = NamedDependency[SimulationJobs]
SuiteName = Annotated[
    str, Parameter(pattern=NAME, description="A stored suite's name: letters, digits, `.`, `_` and `-`, 1-100.")
]


def _stored(row: StoredSuiteRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "suite": row.document.get("suite", row.name),
        "description": row.document.get("description", ""),
        "tasks": len(row.document.get("tasks", [])),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


class SimulationController(Controller):
    path = "/v1/simulations"

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def start(
        self, tenant_id: TenantId, data: JSONBody[SimulationRequest], simulations: NamedDependency[SimulationJobs]
    ) -> SimulationAccepted:
        """Run a suite in the sandbox; 422 names the line and field of every problem in the suite or candidate, 409
        what they name that the tenant or operator lacks (a tool, a configured model), 403 a private model server."""
        try:
            candidate = data.candidate.document() if data.candidate is not None else None
            run = await simulations.prepare(tenant_id, data.suite, candidate)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        sim_id = await simulations.submit(tenant_id, run, data.trials)
        return SimulationAccepted(
            id=sim_id, status="queued", tasks=len(run.tasks), trials=data.trials, url=f"{self.path}/{sim_id}"
        )

    @get("/")
    async def recent(self, tenant_id: TenantId, simulations: NamedDependency[SimulationJobs]) -> SimulationList:
        """This tenant's 50 most recent simulations, newest first: state, progress and, once done, whether every
        trial passed, pass^1 and the model it ran on (the whole report: ``GET /v1/simulations/{id}``)."""
        rows = await simulations.recent(tenant_id)
        return SimulationList(
            items=[
                SimulationListItem(
                    id=r.id,
                    status=r.status,
                    suite=r.suite_name,
                    trials=r.trials,
                    progress=SimulationProgress(done=r.done, total=r.total),
                    passed=r.passed,
                    pass_1=r.pass_1,
                    model=r.model,
                    created_at=r.created_at,
                    finished_at=r.finished_at,
                )
                for r in rows
            ]
        )

    @get("/{sim_id:str}")
    async def show(
        self, tenant_id: TenantId, sim_id: FromPath[str], simulations: NamedDependency[SimulationJobs]
    ) -> SimulationView:
        """A simulation's progress and, when done, its report."""
        row = await simulations.get(tenant_id, sim_id)
        if row is None:
            raise NotFoundException(f"no simulation {sim_id}")
        report = SuiteReport.model_validate(row.report) if row.report is not None else None
        return SimulationView(
            id=row.id,
            status=row.status,
            suite=row.suite_name,
            candidate=row.candidate,
            trials=row.trials,
            progress=SimulationProgress(done=row.done, total=row.total),
            passed=report.passed if report is not None else None,
            report=report,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )

    @post("/suites", status_code=HTTP_200_OK)
    async def suite_from(
        self,
        tenant_id: TenantId,
        data: JSONBody[SuiteFromConversations],
        simulations: NamedDependency[SimulationJobs],
    ) -> dict[str, Any]:
        """A suite whose tasks are these recorded conversations; save it and run it with ``POST /v1/simulations``."""
        try:
            suite = await simulations.suite_from(tenant_id, data.conversations, data.name)
        except UnknownConversations as exc:
            raise NotFoundException(str(exc)) from exc
        except InvalidDocument as exc:
            raise refused(exc) from exc
        return suite.model_dump(mode="json", exclude_defaults=True)

    @get("/suites")
    async def stored_suites(self, tenant_id: TenantId, simulations: Jobs) -> StoredSuiteList:
        """This tenant's stored suites, by name: every publish gate runs each of them."""
        rows = await simulations.stored_suites(tenant_id)
        return StoredSuiteList(items=[StoredSuiteSummary(**_stored(r)) for r in rows])

    @get("/suites/{name:str}")
    async def stored_suite(self, tenant_id: TenantId, name: SuiteName, simulations: Jobs) -> StoredSuiteView:
        """One stored suite, with its text as saved."""
        row = await simulations.stored_suite(tenant_id, name)
        if row is None:
            raise NotFoundException(f"no stored suite {name!r}")
        return StoredSuiteView(**_stored(row), source=row.source)

    @put("/suites/{name:str}")
    async def save_suite(
        self, tenant_id: TenantId, name: SuiteName, data: JSONBody[StoredSuiteRequest], simulations: Jobs
    ) -> StoredSuiteView:
        """Keep a suite as this tenant's, under ``name`` (replacing the suite stored under it): every publish gate
        runs it from then on. It is checked exactly as ``POST /v1/simulations`` checks a suite, and nothing is saved
        unless it passes: 422 names the line and field of every problem, 409 what it names that the tenant or
        operator lacks (a configured model), 403 a private model server."""
        try:
            row = await simulations.save_suite(tenant_id, name, data.source)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        return StoredSuiteView(**_stored(row), source=row.source)

    @delete("/suites/{name:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_suite(self, tenant_id: TenantId, name: SuiteName, simulations: Jobs) -> None:
        """Delete a stored suite: publish gates asked for from then on no longer run it."""
        if not await simulations.delete_suite(tenant_id, name):
            raise NotFoundException(f"no stored suite {name!r}")
