"""The vault's tables: one wrapped data key per tenant, and the secrets sealed with it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import tenant_keys, vault_secrets


@dataclass(frozen=True)
class WrappedDataKey:
    """A tenant's data key, wrapped by the master key ``master_version`` names."""

    tenant_id: str
    generation: int
    master_version: str
    wrapped_key: bytes

    @classmethod
    def from_row(cls, row: RowMapping) -> WrappedDataKey:
        return cls(
            tenant_id=row["tenant_id"],
            generation=row["generation"],
            master_version=row["master_version"],
            wrapped_key=row["wrapped_key"],
        )


@dataclass(frozen=True)
class SealedSecret:
    """A secret sealed with its tenant's data key of ``key_generation`` (nonce || AES-GCM ciphertext)."""

    tenant_id: str
    purpose: str
    key_generation: int
    sealed: bytes

    @classmethod
    def from_row(cls, row: RowMapping) -> SealedSecret:
        return cls(
            tenant_id=row["tenant_id"],
            purpose=row["purpose"],
            key_generation=row["key_generation"],
            sealed=row["sealed"],
        )


class VaultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def data_key(self, tenant_id: str, *, for_update: bool = False) -> WrappedDataKey | None:
        query = select(tenant_keys).where(tenant_keys.c.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return WrappedDataKey.from_row(row) if row else None

    async def insert_data_key(self, tenant_id: str, generation: int, master_version: str, wrapped: bytes) -> None:
        await self.session.execute(
            insert(tenant_keys)
            .values(tenant_id=tenant_id, generation=generation, master_version=master_version, wrapped_key=wrapped)
            .on_conflict_do_nothing()
        )

    async def rewrap_data_key(self, tenant_id: str, generation: int, master_version: str, wrapped: bytes) -> None:
        await self.session.execute(
            update(tenant_keys)
            .where(tenant_keys.c.tenant_id == tenant_id, tenant_keys.c.generation == generation)
            .values(master_version=master_version, wrapped_key=wrapped, rewrapped_at=func.now())
        )

    async def tenants_not_on_master_key(self, master_version: str) -> list[str]:
        rows = await self.session.execute(
            select(tenant_keys.c.tenant_id).where(tenant_keys.c.master_version != master_version)
        )
        return list(rows.scalars())

    async def put_secret(self, tenant_id: str, purpose: str, generation: int, sealed: bytes) -> None:
        stmt = insert(vault_secrets).values(
            tenant_id=tenant_id, purpose=purpose, key_generation=generation, sealed=sealed
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[vault_secrets.c.tenant_id, vault_secrets.c.purpose],
                set_={"key_generation": generation, "sealed": sealed, "updated_at": func.now()},
            )
        )

    async def secret(self, tenant_id: str, purpose: str) -> SealedSecret | None:
        query = select(vault_secrets).where(vault_secrets.c.tenant_id == tenant_id, vault_secrets.c.purpose == purpose)
        row = (await self.session.execute(query)).mappings().first()
        return SealedSecret.from_row(row) if row else None

    async def delete_secret(self, tenant_id: str, purpose: str) -> None:
        await self.session.execute(
            delete(vault_secrets).where(vault_secrets.c.tenant_id == tenant_id, vault_secrets.c.purpose == purpose)
        )
