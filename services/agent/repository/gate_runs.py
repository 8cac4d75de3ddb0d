"""SQL of publish gate runs: created when asked for, their progress and verdict, their heartbeats, and the runs of
processes that died marked failed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.agent.models import release_gate_runs

RUNS = release_gate_runs.c
UNFINISHED = ("queued", "running")
VERDICTS = ("passed", "blocked")


@dataclass(frozen=True)
class GateRunRow:
    id: str
    tenant_id: str
    status: str
    publish: bool
    notes: str
    requested_by: str
    config: dict[str, Any]
    progress: dict[str, Any]
    report: dict[str, Any] | None
    release: int | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    fingerprint: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> GateRunRow:
        names = cls.__dataclass_fields__
        return cls(**{name: row[name] for name in names})


class GateRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, **row: Any) -> None:
        await self.session.execute(release_gate_runs.insert().values(status="queued", **row))

    async def get(self, tenant_id: str, run_id: str) -> GateRunRow | None:
        query = select(release_gate_runs).where(RUNS.tenant_id == tenant_id, RUNS.id == run_id)
        row = (await self.session.execute(query)).mappings().first()
        return GateRunRow.from_row(row) if row else None

    async def last_verdict(self, tenant_id: str, fingerprint: str) -> GateRunRow | None:
        """The newest run that passed or blocked on what ``fingerprint`` names (runs that failed reached none)."""
        query = select(release_gate_runs).where(
            RUNS.tenant_id == tenant_id, RUNS.fingerprint == fingerprint, RUNS.status.in_(VERDICTS)
        )
        row = (await self.session.execute(query.order_by(RUNS.finished_at.desc()).limit(1))).mappings().first()
        return GateRunRow.from_row(row) if row else None

    async def recent(self, tenant_id: str, limit: int = 50) -> list[GateRunRow]:
        query = select(release_gate_runs).where(RUNS.tenant_id == tenant_id)
        rows = await self.session.execute(query.order_by(RUNS.created_at.desc(), RUNS.id).limit(limit))
        return [GateRunRow.from_row(r) for r in rows.mappings()]

    async def progressed(self, run_id: str, status: str, progress: dict[str, Any]) -> None:
        """A run that is still unfinished moves on (``running``, with its progress so far)."""
        await self.session.execute(
            update(release_gate_runs)
            .where(RUNS.id == run_id, RUNS.status.in_(UNFINISHED))
            .values(status=status, progress=progress, heartbeat_at=func.now())
        )

    async def finish(
        self,
        run_id: str,
        status: str,
        *,
        report: dict[str, Any] | None = None,
        release: int | None = None,
        error: str | None = None,
    ) -> bool:
        """The verdict of an unfinished run (False: it had already finished, e.g. marked failed meanwhile)."""
        stmt = (
            update(release_gate_runs)
            .where(RUNS.id == run_id, RUNS.status.in_(UNFINISHED))
            .values(status=status, report=report, release=release, error=error, finished_at=func.now())
            .returning(RUNS.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def beat(self, run_ids: Collection[str]) -> None:
        """The runs this process holds are alive."""
        if run_ids:
            await self.session.execute(
                update(release_gate_runs).where(RUNS.id.in_(list(run_ids))).values(heartbeat_at=func.now())
            )

    async def fail_stale(self, seconds: float, reason: str) -> list[str]:
        """Unfinished runs whose heartbeat is older than ``seconds`` (their process died): failed, with ``reason``."""
        stale = RUNS.heartbeat_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, float(seconds))
        stmt = (
            update(release_gate_runs)
            .where(RUNS.status.in_(UNFINISHED), stale)
            .values(status="failed", error=reason, finished_at=func.now())
            .returning(RUNS.id)
        )
        return list((await self.session.execute(stmt)).scalars())
