"""Publish gates as jobs: asked for over the API (checked at once: the suites are valid), run in the background on
the draft as it was when asked for, their progress and verdict stored as they go, so any replica can report them;
a passing publish creates the release.

A run never stays ``running`` after its process is gone: a stopping service marks its runs failed, and each
process keeps a heartbeat on the runs it holds, so a run whose process died (its heartbeat stale) is marked failed by
whichever replica sweeps next. It is not resumed: the draft may have changed since, and publishing again is one call.

Each run records what it gated (its fingerprint: the draft, the gate policy, the suites: those given with the
request and the tenant's stored ones, read once when the run is asked for). A publish of exactly what
the last verdict blocked is refused at once (:class:`GateBlocked`, answered 409 with the reasons) instead of being
accepted to block again; running the gate again (``POST …/gate``) is how a tenant checks it anew
(docs/decisions/0046).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import new_id
from libs.platform.runtime import ServiceRuntime
from services.agent.releases.config import ReleaseConfig
from services.agent.releases.gate import GatePolicy, GateProgress, GateReport
from services.agent.releases.publishing import GatedSuite, PreparedGate, ReleaseConflict, Releases, Unsettled
from services.agent.repository import GateRunRepository, GateRunRow
from services.agent.sandbox.background import Background

log = logging.getLogger("deskpilot.agent.releases")

DIED = "the agent service running this gate stopped (its heartbeat ended) before the verdict; publish again"
HEARTBEAT_SECONDS = 5.0


def fingerprint(config: ReleaseConfig, policy: GatePolicy, suites: Sequence[GatedSuite]) -> str:
    """What a gate run judges, as a digest: the same draft, gate policy and suites give the same fingerprint."""
    judged = [s.judged() for s in suites]
    gated = {"config": config.model_dump(mode="json"), "policy": policy.model_dump(mode="json"), "suites": judged}
    return hashlib.sha256(json.dumps(gated, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class GateBlocked(Exception):
    """A publish of what the gate last blocked (the same draft, gate policy and suites): nothing runs."""

    def __init__(self, run: GateRunRow, reasons: list[str]) -> None:
        super().__init__(f"the gate blocked this draft (gate run {run.id}): " + "; ".join(reasons))
        self.run = run
        self.reasons = reasons


class GateJobs:
    def __init__(
        self, runtime: ServiceRuntime, background: Background, releases: Releases, stale_after: float = 30.0
    ) -> None:
        self._runtime = runtime
        self._background = background
        self._releases = releases
        self._stale_after = stale_after
        self._held: set[str] = set()  # runs of this process, queued or running: their heartbeat is kept fresh

    async def submit(
        self, tenant_id: str, suites: Sequence[str], *, publish: bool, notes: str = "", by: str = "api"
    ) -> GateRunRow:
        """Start the gate of the draft as it is now, with ``suites`` and the tenant's stored suites
        (``InvalidDocument`` at once if a suite is not valid; a publish of what the gate last blocked:
        :class:`GateBlocked`, and nothing runs)."""
        every = await self._releases.gated_suites(tenant_id, suites)
        if publish:
            await self._refuse_blocked(tenant_id, every)
        prepared = await self._releases.prepare_gate(tenant_id, every)
        gated = fingerprint(prepared.config, prepared.policy, every)
        run_id = new_id("gate")
        progress = GateProgress(conversations=len(prepared.conversation_ids), suites=len(prepared.suites))
        try:
            async with self._runtime.unit_of_work() as uow:
                repo = GateRunRepository(uow.session)
                await repo.create(
                    id=run_id,
                    tenant_id=tenant_id,
                    publish=publish,
                    notes=notes,
                    requested_by=by,
                    config=prepared.config.model_dump(mode="json"),
                    progress=progress.model_dump(),
                    fingerprint=gated,
                )
        except BaseException:
            await prepared.close()
            raise
        row = await self.get(tenant_id, run_id)
        assert row is not None
        self._held.add(run_id)

        async def stopped(reason: str) -> None:
            self._held.discard(run_id)
            await prepared.close()
            await self._finish(run_id, "failed", error=reason)

        self._background.start(run_id, lambda: self._run(run_id, tenant_id, prepared), stopped)
        return row  # as accepted: queued

    async def _refuse_blocked(self, tenant_id: str, suites: Sequence[GatedSuite]) -> None:
        config, policy = await self._releases.draft(tenant_id), await self._releases.gate_policy(tenant_id)
        async with self._runtime.db.session() as session:
            last = await GateRunRepository(session).last_verdict(tenant_id, fingerprint(config, policy, suites))
        if last is not None and last.status == "blocked":
            report = GateReport.model_validate(last.report) if last.report is not None else None
            raise GateBlocked(last, report.reasons if report is not None else [last.error or "blocked"])

    async def _run(self, run_id: str, tenant_id: str, prepared: PreparedGate) -> None:
        async def progressed(progress: GateProgress) -> None:
            async with self._runtime.unit_of_work() as uow:
                await GateRunRepository(uow.session).progressed(run_id, "running", progress.model_dump())

        await progressed(GateProgress(conversations=len(prepared.conversation_ids), suites=len(prepared.suites)))
        report = await prepared.run(progressed)
        await self._verdict(run_id, tenant_id, prepared, report)
        self._held.discard(run_id)

    async def _verdict(self, run_id: str, tenant_id: str, prepared: PreparedGate, report: GateReport) -> None:
        row = await self.get(tenant_id, run_id)
        if row is None or row.status not in ("queued", "running"):
            return  # marked failed meanwhile (this process was taken for dead): no release from it
        stored = report.model_dump(mode="json")
        if report.blocked:
            await self._finish(run_id, "blocked", report=stored, error="; ".join(report.reasons))
        elif not row.publish:
            await self._finish(run_id, "passed", report=stored)
        else:

            async def passed(session: AsyncSession, number: int) -> bool:
                # In the release's transaction: a run marked failed meanwhile publishes nothing.
                return await GateRunRepository(session).finish(run_id, "passed", report=stored, release=number)

            try:
                await self._releases.create(tenant_id, prepared.config, row.notes, report, row.requested_by, passed)
            except ReleaseConflict as exc:
                await self._finish(run_id, "failed", report=stored, error=str(exc))
            except Unsettled:
                log.warning("gate run %s was marked failed before its release was saved: nothing published", run_id)

    async def _finish(self, run_id: str, status: str, **values: Any) -> None:
        async with self._runtime.unit_of_work() as uow:
            await GateRunRepository(uow.session).finish(run_id, status, **values)

    async def get(self, tenant_id: str, run_id: str) -> GateRunRow | None:
        async with self._runtime.db.session() as session:
            return await GateRunRepository(session).get(tenant_id, run_id)

    async def recent(self, tenant_id: str) -> list[GateRunRow]:
        async with self._runtime.db.session() as session:
            return await GateRunRepository(session).recent(tenant_id)

    async def sweep(self) -> list[str]:
        """Keep this process's runs alive; mark failed those whose process died. The runs marked failed."""
        async with self._runtime.unit_of_work() as uow:
            repo = GateRunRepository(uow.session)
            await repo.beat(self._held)
            failed = await repo.fail_stale(self._stale_after, DIED)
        for run_id in failed:
            log.warning("gate run %s: its process stopped before the verdict; marked failed", run_id)
        return failed

    async def sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("gate run sweep failed; trying again")
            await asyncio.sleep(HEARTBEAT_SECONDS)
