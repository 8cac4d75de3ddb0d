"""The releases API: ``/v1/agent/releases`` — the draft, publishing through the gate, diffs, the rollout."""

from __future__ import annotations

from collections.abc import Coroutine
from decimal import Decimal
from typing import Annotated, Any, cast

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_409_CONFLICT

from libs.platform.http import PathId, PathNumber, TenantId
from services.agent.releases.config import KnowledgeScope, ReleaseConfig
from services.agent.releases.diff import ConfigDiff, diff_configs
from services.agent.releases.gate import GatePolicy, GateProgress, GateReport
from services.agent.releases.jobs import GateBlocked, GateJobs
from services.agent.releases.publishing import ReleaseConflict, ReleaseNotFound, Releases
from services.agent.releases.schemas import (
    GateRequest,
    GateRunList,
    GateRunView,
    PromoteRequest,
    PublishRequest,
    ReleaseAction,
    ReleaseList,
    ReleaseSummary,
    ReleaseView,
    RollbackRequest,
    RolloutRequest,
    RolloutView,
)
from services.agent.repository import ActionRow, GateRunRow, ReleaseRow, RolloutRow
from services.agent.sandbox.candidate import ToolChanges
from services.agent.sandbox.documents import InvalidDocument
from services.agent.sandbox.http import refused

Rel = NamedDependency[Releases]
Gates = NamedDependency[GateJobs]
PATH = "/v1/agent/releases"
ReleaseRef = Annotated[str, Parameter(description="A release's number, or `draft`; anything else is 404.")]


class ConflictException(ClientException):
    status_code = HTTP_409_CONFLICT


def _summary(row: ReleaseRow, rollout: RolloutRow | None) -> dict[str, object]:
    role, share = "idle", Decimal(0)
    if rollout is not None and row.number == rollout.stable:
        role, share = "stable", Decimal(100) - (rollout.share if rollout.canary is not None else Decimal(0))
    elif rollout is not None and row.number == rollout.canary:
        role, share = "rollout", rollout.share
    gate = GateReport.model_validate(row.gate) if row.gate is not None else None
    return {
        "number": row.number,
        "notes": row.notes,
        "published_by": row.published_by,
        "published_at": row.published_at,
        "role": role,
        "share": share,
        "gate": gate,
    }


def _rollout(rollout: RolloutRow, actions: list[ActionRow]) -> RolloutView:
    return RolloutView(
        stable=rollout.stable,
        rollout=rollout.canary,
        share=rollout.share if rollout.canary is not None else Decimal(0),
        updated_at=rollout.updated_at,
        history=[
            ReleaseAction(action=a.action, release=a.release, share=a.share, by=a.actor, at=a.at) for a in actions
        ],
    )


async def _run_view(run: GateRunRow, releases: Releases) -> GateRunView:
    release = None
    if run.release is not None:
        row = await releases.release(run.tenant_id, run.release)
        _, rollout, _ = await releases.overview(run.tenant_id)
        release = ReleaseView(**_summary(row, rollout), config=ReleaseConfig.model_validate(row.config))
    report = GateReport.model_validate(run.report) if run.report is not None else None
    return GateRunView(
        id=run.id,
        url=f"{PATH}/gate-runs/{run.id}",
        status=cast(Any, run.status),
        publish=run.publish,
        notes=run.notes,
        by=run.requested_by,
        progress=GateProgress.model_validate(run.progress),
        draft=ReleaseConfig.model_validate(run.config),
        gate=report,
        reasons=report.reasons if report is not None and report.blocked else [],
        release=release,
        error=run.error,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


class ReleaseController(Controller):
    path = PATH

    @get("/")
    async def list_releases(self, tenant_id: TenantId, releases: Rel) -> ReleaseList:
        """This tenant's releases, newest first, each with its gate report, what it serves and what its
        conversations came to (cost, resolution, handoffs, CSAT), side by side; and the rollout."""
        rows, rollout, actions = await releases.overview(tenant_id)
        figures = await releases.figures(tenant_id)
        return ReleaseList(
            items=[ReleaseSummary(**_summary(r, rollout), figures=figures.get(r.number)) for r in rows],
            rollout=_rollout(rollout, actions) if rollout is not None else None,
        )

    @get("/draft")
    async def draft(self, tenant_id: TenantId, releases: Rel) -> ReleaseConfig:
        """What a publish would release now: the policy and procedures as edited, and the draft's tool changes."""
        return await releases.draft(tenant_id)

    @put("/draft/tools")
    async def draft_tools(self, tenant_id: TenantId, data: JSONBody[ToolChanges], releases: Rel) -> ToolChanges:
        """The draft's changes to the tool catalog: descriptions, disabled tools."""
        await releases.set_draft(tenant_id, tools=data.model_dump(mode="json"))
        return data

    @put("/draft/knowledge")
    async def draft_knowledge(
        self, tenant_id: TenantId, data: JSONBody[KnowledgeScope], releases: Rel
    ) -> KnowledgeScope:
        """The draft's knowledge scope: the collections the agent may search (``null``: the whole knowledge base)."""
        await releases.set_draft(tenant_id, knowledge=data.model_dump(mode="json"))
        return data

    @get("/gate-policy")
    async def get_gate_policy(self, tenant_id: TenantId, releases: Rel) -> GatePolicy:
        """What blocks a publish: failed suites, more than X % of replayed conversations with another write action."""
        return await releases.gate_policy(tenant_id)

    @put("/gate-policy")
    async def put_gate_policy(self, tenant_id: TenantId, data: JSONBody[GatePolicy], releases: Rel) -> GatePolicy:
        """Replace what blocks a publish."""
        await releases.set_draft(tenant_id, gate_policy=data.model_dump(mode="json"))
        return data

    @post("/gate", status_code=HTTP_202_ACCEPTED)
    async def gate(self, tenant_id: TenantId, data: JSONBody[GateRequest], releases: Rel, gates: Gates) -> GateRunView:
        """Run the publish gate on the draft (replay and suites, in the sandbox) without publishing: 202 and the run
        to follow (``GET /v1/agent/releases/gate-runs/{id}``); 422 at once if a suite is not valid, 409 if the
        draft names what a suite's world lacks (a tool change for a tool it does not have)."""
        try:
            run = await gates.submit(tenant_id, data.suites, publish=False)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        return await _run_view(run, releases)

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def publish(
        self, tenant_id: TenantId, data: JSONBody[PublishRequest], releases: Rel, gates: Gates
    ) -> GateRunView:
        """Publish the draft as it is now through the gate, as a job: 202 and the run to follow
        (``GET /v1/agent/releases/gate-runs/{id}``); the release is made only if the gate passes (status ``passed``,
        ``release``); a blocked gate (``blocked``, ``reasons``) or a failure (``failed``, ``error``) saves nothing.
        The first release serves every new conversation; a later one none until rolled out or promoted.

        409 ``gate_blocked`` at once, with the reasons, if the gate's last verdict on this very draft, under the
        same gate policy and suites, was ``blocked``: change one of them, or run the gate again (``POST
        /v1/agent/releases/gate``) to check it anew."""
        try:
            run = await gates.submit(tenant_id, data.suites, publish=True, notes=data.notes, by=data.by)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        except GateBlocked as exc:
            detail = f"{exc} (GET {PATH}/gate-runs/{exc.run.id}); change the draft, the gate policy or the suites"
            raise ConflictException(detail=detail, extra={"code": "gate_blocked"}) from exc
        return await _run_view(run, releases)

    @get("/gate-runs/{run_id:str}")
    async def gate_run(self, tenant_id: TenantId, run_id: PathId, releases: Rel, gates: Gates) -> GateRunView:
        """A gate run's progress, then its verdict and (publishing) the release it made."""
        run = await gates.get(tenant_id, run_id)
        if run is None:
            raise NotFoundException(f"no gate run {run_id}")
        return await _run_view(run, releases)

    @get("/gate-runs")
    async def gate_runs(self, tenant_id: TenantId, releases: Rel, gates: Gates) -> GateRunList:
        """This tenant's 50 most recent gate runs, newest first."""
        return GateRunList(items=[await _run_view(run, releases) for run in await gates.recent(tenant_id)])

    @get("/{number:int}")
    async def show(self, tenant_id: TenantId, number: PathNumber, releases: Rel) -> ReleaseView:
        """One release: its whole configuration and gate report."""
        try:
            row = await releases.release(tenant_id, number)
        except ReleaseNotFound as exc:
            raise NotFoundException(str(exc)) from exc
        _, rollout, _ = await releases.overview(tenant_id)
        config = ReleaseConfig.model_validate(row.config)
        return ReleaseView(**_summary(row, rollout), config=config)

    @get("/{a:str}/diff/{b:str}")
    async def diff(self, tenant_id: TenantId, a: ReleaseRef, b: ReleaseRef, releases: Rel) -> ConfigDiff:
        """What changed from ``a`` to ``b`` (release numbers, or ``draft``): a text diff for words (persona,
        instructions, procedures' steps, tool descriptions), a field diff for the rest."""
        try:
            old, new = await releases.config(tenant_id, a), await releases.config(tenant_id, b)
        except ReleaseNotFound as exc:
            raise NotFoundException(str(exc)) from exc
        return diff_configs(old, new, a, b)

    @post("/{number:int}/rollout", status_code=HTTP_200_OK)
    async def rollout(
        self, tenant_id: TenantId, number: PathNumber, data: JSONBody[RolloutRequest], releases: Rel
    ) -> RolloutView:
        """Release ``number`` takes ``share`` % of new conversations (chosen by conversation id; a conversation keeps
        the release it started under); the stable release the rest."""
        return await self._changed(releases, tenant_id, releases.rollout(tenant_id, number, data.share, data.by))

    @post("/{number:int}/promote", status_code=HTTP_200_OK)
    async def promote(
        self, tenant_id: TenantId, number: PathNumber, data: JSONBody[PromoteRequest], releases: Rel
    ) -> RolloutView:
        """Release ``number`` serves every new conversation, at once."""
        return await self._changed(releases, tenant_id, releases.promote(tenant_id, number, data.by))

    @post("/rollback", status_code=HTTP_200_OK)
    async def rollback(self, tenant_id: TenantId, data: JSONBody[RollbackRequest], releases: Rel) -> RolloutView:
        """New conversations go back at once: off the release being rolled out, or to the release ``to``."""
        return await self._changed(releases, tenant_id, releases.rollback(tenant_id, data.to, data.by))

    async def _changed(self, releases: Releases, tenant_id: str, change: Coroutine[Any, Any, None]) -> RolloutView:
        try:
            await change
        except ReleaseNotFound as exc:
            raise NotFoundException(str(exc)) from exc
        except ReleaseConflict as exc:
            raise ConflictException(str(exc)) from exc
        _, rollout, actions = await releases.overview(tenant_id)
        assert rollout is not None
        return _rollout(rollout, actions)
