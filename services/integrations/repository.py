"""Every SQL statement of the integrations service."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import (
    audit_log,
    connections,
    demo_customers,
    demo_orders,
    demo_refunds,
    external_tickets,
    mcp_servers,
    oauth_states,
    processed_events,
    tenant_keys,
    tool_attempts,
    tool_executions,
    vault_secrets,
    webhook_deliveries,
)


class IntegrationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # connections --------------------------------------------------------------------------------------------

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

    async def connection(self, tenant_id: str, integration: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(connections).where(
            connections.c.tenant_id == tenant_id, connections.c.integration == integration
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def connections_of(self, tenant_id: str) -> dict[str, dict[str, Any]]:
        rows = await self.session.execute(select(connections).where(connections.c.tenant_id == tenant_id))
        return {r["integration"]: dict(r) for r in rows.mappings()}

    async def upsert_oauth_connection(
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

    async def upsert_api_key_connection(
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

    # MCP servers --------------------------------------------------------------------------------------------

    async def upsert_mcp_server(self, tenant_id: str, name: str, **values: Any) -> None:
        row = {**values, "status": "active"}
        await self.session.execute(
            insert(mcp_servers)
            .values(tenant_id=tenant_id, name=name, **row)
            .on_conflict_do_update(
                index_elements=[mcp_servers.c.tenant_id, mcp_servers.c.name], set_={**row, "updated_at": func.now()}
            )
        )

    async def replace_mcp_tools(self, tenant_id: str, name: str, tools: list[dict[str, Any]]) -> str | None:
        """New tool list for a still-connected server (nothing else changes); its mode, or None if not connected."""
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name, mcp_servers.c.status == "active")
            .values(tools=tools, updated_at=func.now())
            .returning(mcp_servers.c.mode)
        )
        mode = result.scalar()
        return str(mode) if mode is not None else None

    async def mcp_servers_of(self, tenant_id: str, *, active_only: bool = False) -> list[dict[str, Any]]:
        query = select(mcp_servers).where(mcp_servers.c.tenant_id == tenant_id)
        if active_only:
            query = query.where(mcp_servers.c.status == "active")
        rows = await self.session.execute(query.order_by(mcp_servers.c.name))
        return [dict(r) for r in rows.mappings()]

    async def mcp_tool(self, tenant_id: str, provider_name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The active MCP server of this tenant offering a tool under ``provider_name``, and that tool."""
        for server in await self.mcp_servers_of(tenant_id, active_only=True):
            for tool in server["tools"]:
                if tool["provider_name"] == provider_name:
                    return server, tool
        return None

    async def set_mcp_mode(self, tenant_id: str, name: str, mode: str) -> bool:
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name)
            .values(mode=mode, updated_at=func.now())
            .returning(mcp_servers.c.name)
        )
        return result.first() is not None

    async def disconnect_mcp_server(self, tenant_id: str, name: str) -> bool:
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name)
            .values(status="disconnected", updated_at=func.now())
            .returning(mcp_servers.c.name)
        )
        return result.first() is not None

    # webhooks -----------------------------------------------------------------------------------------------

    async def record_delivery(self, tenant_id: str, provider: str, delivery_id: str) -> bool:
        """False when this delivery was already accepted (a redelivery)."""
        result = await self.session.execute(
            insert(webhook_deliveries)
            .values(tenant_id=tenant_id, provider=provider, delivery_id=delivery_id)
            .on_conflict_do_nothing()
            .returning(webhook_deliveries.c.delivery_id)
        )
        return result.first() is not None

    async def first_processing(self, tenant_id: str, event_id: str) -> bool:
        """Mark an event handled; False if it already was (a redelivery after the commit)."""
        result = await self.session.execute(
            insert(processed_events)
            .values(tenant_id=tenant_id, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return result.first() is not None

    # pending OAuth authorizations ----------------------------------------------------------------------------

    async def insert_oauth_state(self, **row: Any) -> None:
        await self.session.execute(oauth_states.insert().values(**row))

    async def take_oauth_state(self, state_sha256: str) -> dict[str, Any] | None:
        """Delete and return a pending authorization: a state is usable once."""
        row = (
            (
                await self.session.execute(
                    delete(oauth_states).where(oauth_states.c.state_sha256 == state_sha256).returning(oauth_states)
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def active_integrations(self, tenant_id: str) -> list[str]:
        rows = await self.session.execute(
            select(connections.c.integration).where(
                connections.c.tenant_id == tenant_id, connections.c.status == "active"
            )
        )
        return list(rows.scalars())

    # the vault ----------------------------------------------------------------------------------------------

    async def tenant_data_key(self, tenant_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(tenant_keys).where(tenant_keys.c.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def insert_tenant_data_key(
        self, tenant_id: str, generation: int, master_version: str, wrapped: bytes
    ) -> None:
        await self.session.execute(
            insert(tenant_keys)
            .values(tenant_id=tenant_id, generation=generation, master_version=master_version, wrapped_key=wrapped)
            .on_conflict_do_nothing()
        )

    async def rewrap_tenant_data_key(
        self, tenant_id: str, generation: int, master_version: str, wrapped: bytes
    ) -> None:
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

    async def secret(self, tenant_id: str, purpose: str) -> dict[str, Any] | None:
        row = (
            (
                await self.session.execute(
                    select(vault_secrets).where(
                        vault_secrets.c.tenant_id == tenant_id, vault_secrets.c.purpose == purpose
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def delete_secret(self, tenant_id: str, purpose: str) -> None:
        await self.session.execute(
            delete(vault_secrets).where(vault_secrets.c.tenant_id == tenant_id, vault_secrets.c.purpose == purpose)
        )

    # once-only execution and audit ----------------------------------------------------------------------------

    async def claim(
        self, tenant_id: str, tool_call_id: str, request_event_id: str, conversation_id: str, tool: str
    ) -> bool:
        """Record that this tool call is being executed; False if it already was (a redelivery)."""
        result = await self.session.execute(
            insert(tool_executions)
            .values(
                tenant_id=tenant_id,
                tool_call_id=tool_call_id,
                request_event_id=request_event_id,
                conversation_id=conversation_id,
                tool=tool,
                status="running",
            )
            .on_conflict_do_nothing()
            .returning(tool_executions.c.tool_call_id)
        )
        return result.first() is not None

    async def finish(self, tenant_id: str, tool_call_id: str, status: str) -> None:
        await self.session.execute(
            update(tool_executions)
            .where(tool_executions.c.tenant_id == tenant_id, tool_executions.c.tool_call_id == tool_call_id)
            .values(status=status)
        )

    async def record_attempt(self, tenant_id: str, tool_call_id: str) -> tuple[int, float]:
        """Count one more call leaving for a provider; returns how many attempts came before this one and how many
        seconds ago the first one was."""
        stmt = insert(tool_attempts).values(tenant_id=tenant_id, tool_call_id=tool_call_id, attempts=1)
        result = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[tool_attempts.c.tenant_id, tool_attempts.c.tool_call_id],
                set_={"attempts": tool_attempts.c.attempts + 1, "last_at": func.now()},
            ).returning(tool_attempts.c.attempts, func.extract("epoch", func.now() - tool_attempts.c.first_at))
        )
        attempts, age = result.one()
        return int(attempts) - 1, float(age)

    async def forget_bookkeeping(self, before: datetime, limit: int = 5000) -> int:
        """Delete attempt-journal and processed-event rows older than ``before`` (redeliveries come within minutes)
        and OAuth states that expired; at most ``limit`` rows of each. Returns how many rows went."""
        gone = 0
        for table, column, cutoff in (
            (tool_attempts, tool_attempts.c.last_at, before),
            (processed_events, processed_events.c.processed_at, before),
            (oauth_states, oauth_states.c.expires_at, datetime.now(UTC)),
        ):
            pk = list(table.primary_key.columns)
            old = select(*pk).where(column < cutoff).limit(limit).subquery()
            result = await self.session.execute(delete(table).where(tuple_(*pk).in_(select(*old.c))))
            gone += int(getattr(result, "rowcount", 0) or 0)
        return gone

    async def audit(self, **row: Any) -> None:
        await self.session.execute(audit_log.insert().values(**row))

    async def audit_entries(
        self,
        tenant_id: str,
        conversation_id: str | None,
        limit: int,
        end_user: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.tenant_id == tenant_id)
        if conversation_id:
            query = query.where(audit_log.c.conversation_id == conversation_id)
        if end_user:
            query = query.where(audit_log.c.end_user == end_user)
        if since:
            query = query.where(audit_log.c.at >= since)
        if until:
            query = query.where(audit_log.c.at < until)
        query = query.order_by(audit_log.c.id.desc()).limit(limit)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    # helpdesk tickets kept in sync -------------------------------------------------------------------------

    async def sync_external_ticket(
        self,
        tenant_id: str,
        provider: str,
        external_id: str,
        *,
        occurred_at: datetime,
        conversation_id: str | None = None,
        **fields: Any,
    ) -> tuple[dict[str, Any], bool]:
        """Apply a ticket's state as of ``occurred_at``; an older change than the one applied leaves the state as it
        is (deliveries arrive out of order). Returns the row and whether the change was applied. A conversation
        link is set whatever the order (a webhook may have recorded the ticket first) and never replaced."""
        values = {k: v for k, v in fields.items() if v is not None}
        t = external_tickets.c
        key = (t.tenant_id == tenant_id, t.provider == provider, t.external_id == external_id)
        stmt = insert(external_tickets).values(
            tenant_id=tenant_id,
            provider=provider,
            external_id=external_id,
            conversation_id=conversation_id,
            external_updated_at=occurred_at,
            **values,
        )
        applied = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.tenant_id, t.provider, t.external_id],
                set_={
                    **{k: stmt.excluded[k] for k in values},
                    "external_updated_at": stmt.excluded.external_updated_at,
                    "synced_at": func.now(),
                },
                where=(t.external_updated_at.is_(None)) | (t.external_updated_at <= stmt.excluded.external_updated_at),
            ).returning(t.external_id)
        )
        was_applied = applied.first() is not None
        if conversation_id is not None:
            await self.session.execute(
                update(external_tickets)
                .where(*key)
                .values(conversation_id=func.coalesce(t.conversation_id, conversation_id))
            )
        current = await self.external_ticket(tenant_id, provider, external_id)
        assert current is not None
        return current, was_applied

    async def external_ticket(self, tenant_id: str, provider: str, external_id: str) -> dict[str, Any] | None:
        row = (
            (
                await self.session.execute(
                    select(external_tickets).where(
                        external_tickets.c.tenant_id == tenant_id,
                        external_tickets.c.provider == provider,
                        external_tickets.c.external_id == external_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def remember_own_comment(self, tenant_id: str, provider: str, external_id: str, digest: str) -> None:
        """Remember a comment we posted (its digest; the newest 50) so its webhook is not echoed back."""
        t = external_tickets.c
        await self.session.execute(
            insert(external_tickets)
            .values(tenant_id=tenant_id, provider=provider, external_id=external_id)
            .on_conflict_do_nothing()
        )
        key = (t.tenant_id == tenant_id, t.provider == provider, t.external_id == external_id)
        own = (await self.session.execute(select(t.own_comments).where(*key).with_for_update())).scalar_one()
        await self.session.execute(
            update(external_tickets).where(*key).values(own_comments=[*(own or []), digest][-50:])
        )

    async def external_tickets_of(
        self, tenant_id: str, provider: str, conversation_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query = select(external_tickets).where(
            external_tickets.c.tenant_id == tenant_id, external_tickets.c.provider == provider
        )
        if conversation_id:
            query = query.where(external_tickets.c.conversation_id == conversation_id)
        query = query.order_by(external_tickets.c.synced_at.desc()).limit(limit)
        return [dict(r) for r in (await self.session.execute(query)).mappings()]

    # the demo store -------------------------------------------------------------------------------------------

    async def seed_demo_store(
        self, tenant_id: str, customers: list[dict[str, Any]], orders: list[dict[str, Any]]
    ) -> None:
        await self.session.execute(
            insert(demo_customers).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **c} for c in customers]
        )
        await self.session.execute(
            insert(demo_orders).on_conflict_do_nothing(), [{"tenant_id": tenant_id, **o} for o in orders]
        )

    async def demo_order(self, tenant_id: str, order_number: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(demo_orders).where(
            demo_orders.c.tenant_id == tenant_id, demo_orders.c.order_number == order_number
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return dict(row) if row else None

    async def demo_orders_of(self, tenant_id: str, email: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(demo_orders)
            .where(demo_orders.c.tenant_id == tenant_id, demo_orders.c.customer_email == email.lower())
            .order_by(demo_orders.c.order_number)
        )
        return [dict(r) for r in rows.mappings()]

    async def demo_refund(
        self, tenant_id: str, refund_id: str, order_number: str, amount: Decimal, reason: str | None, key: str
    ) -> None:
        await self.session.execute(
            demo_refunds.insert().values(
                tenant_id=tenant_id,
                refund_id=refund_id,
                order_number=order_number,
                amount=amount,
                reason=reason,
                idempotency_key=key,
            )
        )
        await self.session.execute(
            update(demo_orders)
            .where(demo_orders.c.tenant_id == tenant_id, demo_orders.c.order_number == order_number)
            .values(refunded=demo_orders.c.refunded + amount, status="refunded")
        )
