"""Every SQL statement of the agent service (procedures and releases in modules of their own, re-exported)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import ToolSpec
from services.agent.models import open_turns, replay_results, replays, simulations, tenant_policies, tool_catalog
from services.agent.policy import AgentPolicy
from services.agent.repository.figures import FigureRepository, ReleaseFigureRow
from services.agent.repository.gate_runs import GateRunRepository, GateRunRow
from services.agent.repository.procedures import ProcedureRepository, ProcedureRow
from services.agent.repository.releases import ActionRow, DraftRow, ReleaseRepository, ReleaseRow, RolloutRow
from services.agent.repository.suites import StoredSuiteRow, SuiteRepository

__all__ = [
    "ActionRow",
    "CatalogRepository",
    "DraftRow",
    "FigureRepository",
    "GateRunRepository",
    "GateRunRow",
    "PolicyRepository",
    "ProcedureRepository",
    "ProcedureRow",
    "ReleaseFigureRow",
    "ReleaseRepository",
    "ReleaseRow",
    "ReplayRepository",
    "ReplayResultRow",
    "ReplayRow",
    "RolloutRow",
    "SimulationListRow",
    "SimulationRepository",
    "SimulationRow",
    "StoredSuiteRow",
    "SuiteRepository",
    "TurnRepository",
]


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace(
        self, tenant_id: str, service: str, tools: list[dict[str, Any]], event_id: str, position: int
    ) -> None:
        """Store a service's catalog unless a newer one (by log position) is already stored."""
        stmt = insert(tool_catalog).values(
            tenant_id=tenant_id, service=service, tools=tools, source_event_id=event_id, source_position=position
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "service"],
                set_={
                    "tools": stmt.excluded.tools,
                    "source_event_id": stmt.excluded.source_event_id,
                    "source_position": stmt.excluded.source_position,
                    "updated_at": func.now(),
                },
                where=tool_catalog.c.source_position < stmt.excluded.source_position,
            )
        )

    async def tools(self, tenant_id: str) -> list[ToolSpec]:
        rows = await self.session.execute(
            select(tool_catalog.c.tools).where(tool_catalog.c.tenant_id == tenant_id).order_by(tool_catalog.c.service)
        )
        return [ToolSpec.model_validate(t) for tools in rows.scalars() for t in tools]


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str) -> AgentPolicy:
        """The tenant's policy, or the documented defaults."""
        stored = (
            await self.session.execute(select(tenant_policies.c.policy).where(tenant_policies.c.tenant_id == tenant_id))
        ).scalar_one_or_none()
        return AgentPolicy.model_validate(stored) if stored is not None else AgentPolicy()

    async def put(self, tenant_id: str, policy: AgentPolicy) -> None:
        stmt = insert(tenant_policies).values(tenant_id=tenant_id, policy=policy.model_dump(mode="json"))
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"], set_={"policy": stmt.excluded.policy, "updated_at": func.now()}
            )
        )


class TurnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opened(self, tenant_id: str, conversation_id: str, turn_id: str, deadline: datetime) -> None:
        stmt = insert(open_turns).values(
            tenant_id=tenant_id, conversation_id=conversation_id, turn_id=turn_id, deadline=deadline
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "conversation_id"],
                set_={"turn_id": stmt.excluded.turn_id, "deadline": stmt.excluded.deadline},
            )
        )

    async def closed(self, tenant_id: str, conversation_id: str) -> None:
        await self.session.execute(
            delete(open_turns).where(
                open_turns.c.tenant_id == tenant_id, open_turns.c.conversation_id == conversation_id
            )
        )

    async def next_deadline(self) -> datetime | None:
        """The earliest deadline of a turn waiting for tools, of any process (None: no turn is waiting)."""
        deadline: datetime | None = await self.session.scalar(select(func.min(open_turns.c.deadline)))
        return deadline

    async def due(self, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
        rows = await self.session.execute(
            select(open_turns.c.tenant_id, open_turns.c.conversation_id)
            .where(open_turns.c.deadline <= now)
            .order_by(open_turns.c.deadline)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class ReplayRow:
    id: str
    tenant_id: str
    status: str
    candidate: dict[str, Any]
    conversation_ids: list[str]
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> ReplayRow:
        return cls(
            id=row["id"],
            tenant_id=row["tenant_id"],
            status=row["status"],
            candidate=row["candidate"],
            conversation_ids=list(row["conversation_ids"]),
            error=row["error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )


@dataclass(frozen=True)
class ReplayResultRow:
    position: int
    conversation_id: str
    diff: dict[str, Any]

    @classmethod
    def from_row(cls, row: RowMapping) -> ReplayResultRow:
        return cls(position=row["position"], conversation_id=row["conversation_id"], diff=row["diff"])


class ReplayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, replay_id: str, tenant_id: str, candidate: dict[str, Any], ids: list[str]) -> None:
        await self.session.execute(
            replays.insert().values(
                id=replay_id, tenant_id=tenant_id, status="queued", candidate=candidate, conversation_ids=ids
            )
        )

    async def get(self, tenant_id: str, replay_id: str) -> ReplayRow | None:
        row = (
            (
                await self.session.execute(
                    select(replays).where(replays.c.id == replay_id, replays.c.tenant_id == tenant_id)
                )
            )
            .mappings()
            .first()
        )
        return ReplayRow.from_row(row) if row else None

    async def recent(self, tenant_id: str, limit: int = 50) -> list[ReplayRow]:
        rows = await self.session.execute(
            select(replays).where(replays.c.tenant_id == tenant_id).order_by(replays.c.created_at.desc()).limit(limit)
        )
        return [ReplayRow.from_row(r) for r in rows.mappings()]

    async def add_result(self, replay_id: str, position: int, conversation_id: str, diff: dict[str, Any]) -> None:
        stmt = insert(replay_results).values(
            replay_id=replay_id, position=position, conversation_id=conversation_id, diff=diff
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def results(self, replay_id: str) -> list[ReplayResultRow]:
        rows = await self.session.execute(
            select(replay_results).where(replay_results.c.replay_id == replay_id).order_by(replay_results.c.position)
        )
        return [ReplayResultRow.from_row(r) for r in rows.mappings()]

    async def forget_conversations(self, tenant_id: str, conversation_ids: list[str]) -> int:
        """Delete replay results of erased conversations (their diffs quote the conversations' texts)."""
        of_tenant = select(replays.c.id).where(replays.c.tenant_id == tenant_id)
        result = await self.session.execute(
            replay_results.delete().where(
                replay_results.c.replay_id.in_(of_tenant), replay_results.c.conversation_id.in_(conversation_ids)
            )
        )
        return result.rowcount or 0  # type: ignore[attr-defined]

    async def set_status(self, replay_id: str, status: str, error: str | None = None) -> None:
        finished = func.now() if status in ("done", "failed") else None
        await self.session.execute(
            update(replays).where(replays.c.id == replay_id).values(status=status, error=error, finished_at=finished)
        )


@dataclass(frozen=True)
class SimulationRow:
    id: str
    tenant_id: str
    status: str
    suite_name: str
    candidate: dict[str, Any] | None
    trials: int
    total: int
    done: int
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> SimulationRow:
        return cls(
            id=row["id"],
            tenant_id=row["tenant_id"],
            status=row["status"],
            suite_name=row["suite_name"],
            candidate=row["candidate"],
            trials=row["trials"],
            total=row["total"],
            done=row["done"],
            report=row["report"],
            error=row["error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )


@dataclass(frozen=True)
class SimulationListRow:
    """A simulation as a list shows it: its state and, once done, the headline of its report."""

    id: str
    status: str
    suite_name: str
    trials: int
    total: int
    done: int
    passed: bool | None
    model: str | None
    pass_1: float | None
    created_at: datetime
    finished_at: datetime | None


class SimulationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, sim_id: str, tenant_id: str, suite_name: str, candidate: dict[str, Any] | None, trials: int, total: int
    ) -> None:
        await self.session.execute(
            simulations.insert().values(
                id=sim_id,
                tenant_id=tenant_id,
                status="queued",
                suite_name=suite_name,
                candidate=candidate,
                trials=trials,
                total=total,
            )
        )

    async def get(self, tenant_id: str, sim_id: str) -> SimulationRow | None:
        query = select(simulations).where(simulations.c.id == sim_id, simulations.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).mappings().first()
        return SimulationRow.from_row(row) if row else None

    async def progress(self, sim_id: str, done: int) -> None:
        # Trials finish concurrently and their updates may commit out of order: the count only goes up.
        await self.session.execute(
            update(simulations)
            .where(simulations.c.id == sim_id)
            .values(done=func.greatest(simulations.c.done, done), status="running")
        )

    async def finish(
        self, sim_id: str, status: str, report: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        await self.session.execute(
            update(simulations)
            .where(simulations.c.id == sim_id)
            .values(status=status, report=report, error=error, finished_at=func.now())
        )

    async def recent(self, tenant_id: str, limit: int = 50) -> list[SimulationListRow]:
        """The tenant's newest simulations, without their reports (only the report's headline figures)."""
        s, report = simulations.c, simulations.c.report
        query = (
            select(
                s.id, s.status, s.suite_name, s.trials, s.total, s.done, s.created_at, s.finished_at,
                report["passed"].as_boolean().label("passed"),
                report["model"].as_string().label("model"),
                report[("pass_hat", "1")].as_float().label("pass_1"),
            )
            .where(s.tenant_id == tenant_id)
            .order_by(s.created_at.desc())
            .limit(limit)
        )  # fmt: skip
        return [SimulationListRow(**row) for row in (await self.session.execute(query)).mappings()]
