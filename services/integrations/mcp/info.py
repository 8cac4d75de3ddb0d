"""How an MCP server is shown over the API: its settings, why it could not be reached if so, and its tools."""

from __future__ import annotations

from collections.abc import Sequence

from services.integrations.repository import McpTool
from services.integrations.schemas import McpServerInfo, McpToolInfo


def mcp_info(
    name: str, transport: str, mode: str, tools: Sequence[McpTool], problem: str | None, status: str = "active"
) -> McpServerInfo:
    return McpServerInfo(
        name=name,
        transport=transport,
        status=status,
        mode=mode,
        problem=problem,
        tools=[
            McpToolInfo(
                name=t.provider_name,
                server_tool=t.name,
                description=t.description,
                input_schema=t.input_schema,
                annotations=t.annotations,
            )
            for t in tools
        ],
    )
