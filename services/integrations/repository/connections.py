"""A tenant's connections to the built-in integrations (manifests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import connections


@dataclass(frozen=True)
class Connection:
    """One tenant's connection to one integration."""

    tenant_id: str
    integration: str
    status: str  # active | revoked | disconnected
    mode: str  # live | dry_run
    dry_run_reads: str  # live | simulated
    status_reason: str | None
    scopes: list[str] | None
    params: dict[str, str]  # values of the manifest's URL placeholders (a shop, a subdomain)
    connected_by: str | None
    access_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"

    @classmethod
    def from_row(cls, row: RowMapping) -> Connection:
        return cls(
            tenant_id=row["tenant_id"],
            integration=row["integration"],
            status=row["status"],
            mode=row["mode"],
            dry_run_reads=row["dry_run_reads"],
            status_reason=row["status_reason"],
            scopes=row["scopes"],
            params=dict(row["params"] or {}),
            connected_by=row["connected_by"],
            access_expires_at=row["access_expires_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class ConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def connect(self, tenant_id: str, integration: str, mode: str = "live") -> None:
        await self.session.execute(
            insert(connections)
            .values(tenant_id=tenant_id, integration=integration, status="active", mode=mode)
            .on_conflict_do_nothing()
        )

    async def set_mode(self, tenant_id: str, integration: str, mode: str, reads: str = "live") -> bool:
        result = await self.session.execute(
            update(connections)
            .where(connections.c.tenant_id == tenant_id, connections.c.integration == integration)
            .values(mode=mode, dry_run_reads=reads)
            .returning(connections.c.integration)
        )
        return result.first() is not None

    async def get(self, tenant_id: str, integration: str, *, for_update: bool = False) -> Connection | None:
        query = select(connections).where(
            connections.c.tenant_id == tenant_id, connections.c.integration == integration
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return Connection.from_row(row) if row else None

    async def of_tenant(self, tenant_id: str) -> dict[str, Connection]:
        """Every connection of a tenant, by integration name."""
        rows = await self.session.execute(select(connections).where(connections.c.tenant_id == tenant_id))
        return {r["integration"]: Connection.from_row(r) for r in rows.mappings()}

    async def active_integrations(self, tenant_id: str) -> list[str]:
        rows = await self.session.execute(
            select(connections.c.integration).where(
                connections.c.tenant_id == tenant_id, connections.c.status == "active"
            )
        )
        return list(rows.scalars())

    async def tenants_with(self, integration: str) -> set[str]:
        """The tenants that ever connected ``integration``, whatever its status now (in the system scope: all)."""
        rows = await self.session.execute(
            select(connections.c.tenant_id).where(connections.c.integration == integration)
        )
        return set(rows.scalars())

    async def upsert_oauth(
        self,
        tenant_id: str,
        integration: str,
        *,
        scopes: list[str],
        params: dict[str, str],
        connected_by: str | None,
        access_expires_at: datetime,
    ) -> None:
        values = {
            "status": "active",
            "status_reason": None,
            "scopes": scopes,
            "params": params,
            "connected_by": connected_by,
            "access_expires_at": access_expires_at,
        }
        stmt = insert(connections).values(tenant_id=tenant_id, integration=integration, mode="live", **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[connections.c.tenant_id, connections.c.integration],
                set_={**values, "updated_at": func.now()},
            )
        )

    async def upsert_api_key(
        self, tenant_id: str, integration: str, *, params: dict[str, str], connected_by: str | None
    ) -> None:
        """(Re)connect an API-key integration: active again, keeping the tenant's chosen mode."""
        values = {"status": "active", "status_reason": None, "params": params, "connected_by": connected_by}
        stmt = insert(connections).values(tenant_id=tenant_id, integration=integration, mode="live", **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[connections.c.tenant_id, connections.c.integration],
                set_={**values, "updated_at": func.now()},
            )
        )

    async def token_refreshed(self, tenant_id: str, integration: str, access_expires_at: datetime) -> None:
        await self.session.execute(
            update(connections)
            .where(connections.c.tenant_id == tenant_id, connections.c.integration == integration)
            .values(access_expires_at=access_expires_at, updated_at=func.now())
        )

    async def disconnect(self, tenant_id: str, integration: str, reason: str = "disconnected by the tenant") -> bool:
        result = await self.session.execute(
            update(connections)
            .where(connections.c.tenant_id == tenant_id, connections.c.integration == integration)
            .values(status="disconnected", status_reason=reason[:500], updated_at=func.now())
            .returning(connections.c.integration)
        )
        return result.first() is not None

    async def revoke(self, tenant_id: str, integration: str, reason: str) -> bool:
        """Mark an active connection revoked; False if it was not active (already revoked: nothing to announce)."""
        result = await self.session.execute(
            update(connections)
            .where(
                connections.c.tenant_id == tenant_id,
                connections.c.integration == integration,
                connections.c.status == "active",
            )
            .values(status="revoked", status_reason=reason, updated_at=func.now())
            .returning(connections.c.integration)
        )
        return result.first() is not None
