"""The releases API: ``/v1/agent/releases`` — the draft, publishing through the gate, diffs, the rollout."""

from __future__ import annotations

from collections.abc import Coroutine
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_409_CONFLICT

from libs.platform.http import PathNumber, TenantId
from services.agent.releases.config import ReleaseConfig
from services.agent.releases.diff import ConfigDiff, diff_configs
from services.agent.releases.gate import GatePolicy, GateReport
from services.agent.releases.publishing import GateBlocked, ReleaseConflict, ReleaseNotFound, Releases
from services.agent.releases.schemas import (
    GateRequest,
    GateResult,
    PromoteRequest,
    Published,
    PublishRequest,
    ReleaseAction,
    ReleaseList,
    ReleaseSummary,
    ReleaseView,
    RollbackRequest,
    RolloutRequest,
    RolloutView,
)
from services.agent.repository import ActionRow, ReleaseRow, RolloutRow
from services.agent.sandbox.candidate import ToolChanges
from services.agent.sandbox.documents import InvalidDocument
from services.agent.sandbox.http import unprocessable

Rel = NamedDependency[Releases]
ReleaseRef = Annotated[
    str, Parameter(pattern=r"^(draft|[1-9][0-9]{0,9})$", description="A release's number, or `draft`.")
]


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


def _gate_failed(exc: GateBlocked) -> ValidationException:
    fields = [{"key": "gate", "message": reason} for reason in exc.report.reasons]
    return ValidationException(detail=str(exc), extra=fields)


class ReleaseController(Controller):
    path = "/v1/agent/releases"

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

    @get("/gate-policy")
    async def get_gate_policy(self, tenant_id: TenantId, releases: Rel) -> GatePolicy:
        """What blocks a publish: failed suites, more than X % of replayed conversations with another write action."""
        return await releases.gate_policy(tenant_id)

    @put("/gate-policy")
    async def put_gate_policy(self, tenant_id: TenantId, data: JSONBody[GatePolicy], releases: Rel) -> GatePolicy:
        """Replace what blocks a publish."""
        await releases.set_draft(tenant_id, gate_policy=data.model_dump(mode="json"))
        return data

    @post("/gate", status_code=HTTP_200_OK)
    async def gate(self, tenant_id: TenantId, data: JSONBody[GateRequest], releases: Rel) -> GateResult:
        """Run the publish gate on the draft (replay and suites, in the sandbox) without publishing."""
        try:
            draft, report = await releases.gate(tenant_id, data.suites)
        except InvalidDocument as exc:
            raise unprocessable(exc) from exc
        return GateResult(draft=draft, gate=report)

    @post("/", status_code=HTTP_201_CREATED)
    async def publish(self, tenant_id: TenantId, data: JSONBody[PublishRequest], releases: Rel) -> Published:
        """Publish the draft as the next release; 422 with the gate's reasons when its policy blocks (nothing saved).
        The first release serves every new conversation; a later one none until rolled out or promoted."""
        try:
            row, report = await releases.publish(tenant_id, data.notes, data.suites, data.by)
        except InvalidDocument as exc:
            raise unprocessable(exc) from exc
        except GateBlocked as exc:
            raise _gate_failed(exc) from exc
        except ReleaseConflict as exc:
            raise ConflictException(str(exc)) from exc
        _, rollout, _ = await releases.overview(tenant_id)
        config = ReleaseConfig.model_validate(row.config)
        return Published(release=ReleaseView(**_summary(row, rollout), config=config), gate=report)

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
