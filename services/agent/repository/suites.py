"""SQL of the tenants' stored simulation suites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.agent.models import simulation_suites

SUITES = simulation_suites.c


@dataclass(frozen=True)
class StoredSuiteRow:
    tenant_id: str
    name: str
    source: str
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> StoredSuiteRow:
        names = cls.__dataclass_fields__
        return cls(**{name: row[name] for name in names})


class SuiteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self, tenant_id: str) -> list[StoredSuiteRow]:
        rows = await self.session.execute(
            select(simulation_suites).where(SUITES.tenant_id == tenant_id).order_by(SUITES.name)
        )
        return [StoredSuiteRow.from_row(r) for r in rows.mappings()]

    async def get(self, tenant_id: str, name: str) -> StoredSuiteRow | None:
        query = select(simulation_suites).where(SUITES.tenant_id == tenant_id, SUITES.name == name)
        row = (await self.session.execute(query)).mappings().first()
        return StoredSuiteRow.from_row(row) if row else None

    async def put(self, tenant_id: str, name: str, source: str, document: dict[str, Any]) -> StoredSuiteRow:
        """The suite saved under ``name``, replacing the tenant's suite of that name."""
        stmt = insert(simulation_suites).values(tenant_id=tenant_id, name=name, source=source, document=document)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "name"],
            set_={"source": stmt.excluded.source, "document": stmt.excluded.document, "updated_at": func.now()},
        )
        row = (await self.session.execute(stmt.returning(simulation_suites))).mappings().one()
        return StoredSuiteRow.from_row(row)

    async def delete(self, tenant_id: str, name: str) -> bool:
        result = await self.session.execute(
            delete(simulation_suites).where(SUITES.tenant_id == tenant_id, SUITES.name == name)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
