"""Support addresses and their proof of ownership: pending claims (code digests) and verified addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversation.models import email_address_claims, email_addresses


@dataclass(frozen=True)
class AddressClaim:
    code_sha256: str
    expires_at: datetime
    attempts: int


class EmailAddressRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put_claim(self, tenant_id: str, address: str, code_sha256: str, expires_at: datetime) -> None:
        """A new code for this tenant's claim on ``address`` (replaces an earlier one, attempts start again)."""
        values = {"code_sha256": code_sha256, "expires_at": expires_at, "attempts": 0}
        await self.session.execute(
            insert(email_address_claims)
            .values(tenant_id=tenant_id, address=address, **values)
            .on_conflict_do_update(index_elements=["tenant_id", "address"], set_=values)
        )

    async def claim(self, tenant_id: str, address: str) -> AddressClaim | None:
        query = select(
            email_address_claims.c.code_sha256, email_address_claims.c.expires_at, email_address_claims.c.attempts
        ).where(email_address_claims.c.tenant_id == tenant_id, email_address_claims.c.address == address)
        row = (await self.session.execute(query)).first()
        return AddressClaim(row.code_sha256, row.expires_at, row.attempts) if row else None

    async def count_attempt(self, tenant_id: str, address: str) -> None:
        await self.session.execute(
            update(email_address_claims)
            .where(email_address_claims.c.tenant_id == tenant_id, email_address_claims.c.address == address)
            .values(attempts=email_address_claims.c.attempts + 1)
        )

    async def drop_claim(self, tenant_id: str, address: str) -> bool:
        """False when there was no such claim (already used)."""
        result = await self.session.execute(
            delete(email_address_claims)
            .where(email_address_claims.c.tenant_id == tenant_id, email_address_claims.c.address == address)
            .returning(email_address_claims.c.address)
        )
        return result.first() is not None

    async def assign(self, tenant_id: str, address: str) -> None:
        """``address`` now receives ``tenant_id``'s mail, whichever tenant had it (needs the system scope to move
        it away from another tenant: that tenant's row is invisible to this one's)."""
        await self.session.execute(delete(email_addresses).where(email_addresses.c.address == address))
        await self.session.execute(insert(email_addresses).values(address=address, tenant_id=tenant_id))

    async def remove(self, tenant_id: str, address: str) -> bool:
        """``address`` is no longer this tenant's, verified or pending; False when it was neither."""
        claim = await self.drop_claim(tenant_id, address)
        result = await self.session.execute(
            delete(email_addresses)
            .where(email_addresses.c.tenant_id == tenant_id, email_addresses.c.address == address)
            .returning(email_addresses.c.address)
        )
        return result.first() is not None or claim

    async def listing(self, tenant_id: str) -> list[tuple[str, str]]:
        """This tenant's addresses with their status, ``verified`` or ``pending``, by address."""
        verified = select(email_addresses.c.address).where(email_addresses.c.tenant_id == tenant_id)
        pending = select(email_address_claims.c.address).where(email_address_claims.c.tenant_id == tenant_id)
        found = dict.fromkeys((await self.session.execute(pending)).scalars(), "pending")
        found.update(dict.fromkeys((await self.session.execute(verified)).scalars(), "verified"))
        return sorted(found.items())
