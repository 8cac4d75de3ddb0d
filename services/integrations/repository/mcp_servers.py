"""MCP servers tenants registered, with the tools each one offers (credentials are in the vault)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.integrations.models import mcp_servers


@dataclass(frozen=True)
class McpTool:
    """A tool as the MCP server declares it, under the provider-safe name the agent sees."""

    name: str  # on the server
    provider_name: str  # what the agent calls it
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any]

    @property
    def read_only(self) -> bool:
        return bool(self.annotations.get("readOnlyHint", False))

    @property
    def repeatable(self) -> bool:
        """Whether the server says a second identical call changes nothing (read-only or idempotent)."""
        return self.read_only or bool(self.annotations.get("idempotentHint", False))

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> McpTool:
        return cls(
            name=stored["name"],
            provider_name=stored["provider_name"],
            description=stored["description"],
            input_schema=stored["input_schema"],
            annotations=stored["annotations"],
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "provider_name": self.provider_name,
            "description": self.description,
            "input_schema": self.input_schema,
            "annotations": self.annotations,
        }


@dataclass(frozen=True)
class McpServer:
    tenant_id: str
    name: str
    transport: Literal["stdio", "http"]
    command: str | None
    args: list[str]
    url: str | None
    status: str  # active | disconnected
    mode: Literal["live", "dry_run"]
    tools: tuple[McpTool, ...]
    problem: str | None  # why it could not be reached or listed last time (it then offers no tools)
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> McpServer:
        return cls(
            tenant_id=row["tenant_id"],
            name=row["name"],
            transport=row["transport"],
            command=row["command"],
            args=list(row["args"] or []),
            url=row["url"],
            status=row["status"],
            mode=row["mode"],
            tools=tuple(McpTool.from_json(t) for t in row["tools"]),
            problem=row["problem"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class McpServerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(
        self,
        tenant_id: str,
        name: str,
        *,
        transport: str,
        command: str | None,
        args: list[str],
        url: str | None,
        mode: str,
        tools: list[McpTool],
        problem: str | None = None,
    ) -> None:
        row = {
            "transport": transport,
            "command": command,
            "args": args,
            "url": url,
            "mode": mode,
            "tools": [t.as_json() for t in tools],
            "status": "active",
            "problem": problem,
        }
        await self.session.execute(
            insert(mcp_servers)
            .values(tenant_id=tenant_id, name=name, **row)
            .on_conflict_do_update(
                index_elements=[mcp_servers.c.tenant_id, mcp_servers.c.name], set_={**row, "updated_at": func.now()}
            )
        )

    async def replace_tools(self, tenant_id: str, name: str, tools: list[McpTool]) -> str | None:
        """New tool list for a still-connected server, which answered (its problem clears; nothing else changes);
        its mode, or None if not connected."""
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name, mcp_servers.c.status == "active")
            .values(tools=[t.as_json() for t in tools], problem=None, updated_at=func.now())
            .returning(mcp_servers.c.mode)
        )
        mode = result.scalar()
        return str(mode) if mode is not None else None

    async def record_problem(self, tenant_id: str, name: str, problem: str) -> None:
        """A connected server that could not be reached or listed: why (its tools are kept until it answers)."""
        await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name, mcp_servers.c.status == "active")
            .values(problem=problem[:500], updated_at=func.now())
        )

    async def of_tenant(self, tenant_id: str, *, active_only: bool = False) -> list[McpServer]:
        query = select(mcp_servers).where(mcp_servers.c.tenant_id == tenant_id)
        if active_only:
            query = query.where(mcp_servers.c.status == "active")
        rows = await self.session.execute(query.order_by(mcp_servers.c.name))
        return [McpServer.from_row(r) for r in rows.mappings()]

    async def tool(self, tenant_id: str, provider_name: str) -> tuple[McpServer, McpTool] | None:
        """The active MCP server of this tenant offering a tool under ``provider_name``, and that tool."""
        for server in await self.of_tenant(tenant_id, active_only=True):
            for tool in server.tools:
                if tool.provider_name == provider_name:
                    return server, tool
        return None

    async def set_mode(self, tenant_id: str, name: str, mode: str) -> bool:
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name)
            .values(mode=mode, updated_at=func.now())
            .returning(mcp_servers.c.name)
        )
        return result.first() is not None

    async def disconnect(self, tenant_id: str, name: str) -> bool:
        result = await self.session.execute(
            update(mcp_servers)
            .where(mcp_servers.c.tenant_id == tenant_id, mcp_servers.c.name == name)
            .values(status="disconnected", updated_at=func.now())
            .returning(mcp_servers.c.name)
        )
        return result.first() is not None


async def add_mcp_problem(conn: AsyncConnection) -> None:
    """Schema v5: why an MCP server could not be reached or listed (it is registered either way)."""
    await conn.execute(text("ALTER TABLE integrations.mcp_servers ADD COLUMN IF NOT EXISTS problem VARCHAR(500)"))
