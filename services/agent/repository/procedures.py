"""SQL of the tenants' procedures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.agent.models import procedures


@dataclass(frozen=True)
class ProcedureRow:
    tenant_id: str
    name: str
    version: int
    source: str
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ProcedureRow:
        return cls(
            tenant_id=row["tenant_id"],
            name=row["name"],
            version=row["version"],
            source=row["source"],
            document=row["document"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class ProcedureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self, tenant_id: str) -> list[ProcedureRow]:
        rows = await self.session.execute(
            select(procedures).where(procedures.c.tenant_id == tenant_id).order_by(procedures.c.name)
        )
        return [ProcedureRow.from_row(r) for r in rows.mappings()]

    async def get(self, tenant_id: str, name: str) -> ProcedureRow | None:
        query = select(procedures).where(procedures.c.tenant_id == tenant_id, procedures.c.name == name)
        row = (await self.session.execute(query)).mappings().first()
        return ProcedureRow.from_row(row) if row else None

    async def create(self, tenant_id: str, name: str, source: str, document: dict[str, Any]) -> ProcedureRow | None:
        """The new procedure (version 1), or None when the tenant has one of that name already."""
        stmt = (
            insert(procedures)
            .values(tenant_id=tenant_id, name=name, version=1, source=source, document=document)
            .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
            .returning(procedures)
        )
        row = (await self.session.execute(stmt)).mappings().first()
        return ProcedureRow.from_row(row) if row else None

    async def replace(self, tenant_id: str, name: str, source: str, document: dict[str, Any]) -> ProcedureRow | None:
        """The procedure with its next version, or None when there is none of that name."""
        stmt = (
            update(procedures)
            .where(procedures.c.tenant_id == tenant_id, procedures.c.name == name)
            .values(source=source, document=document, version=procedures.c.version + 1, updated_at=func.now())
            .returning(procedures)
        )
        row = (await self.session.execute(stmt)).mappings().first()
        return ProcedureRow.from_row(row) if row else None

    async def delete(self, tenant_id: str, name: str) -> bool:
        result = await self.session.execute(
            delete(procedures).where(procedures.c.tenant_id == tenant_id, procedures.c.name == name)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
