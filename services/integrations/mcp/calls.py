"""Calling one tool of a tenant's MCP server, as the once-only execution does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.errors import ToolError, lost_in_transit
from services.integrations.mcp.client import failure_kind, open_session
from services.integrations.mcp.policy import McpPolicy, still_allowed
from services.integrations.mcp.servers import secret_purpose
from services.integrations.repository import McpServer, McpTool
from services.integrations.vault import Vault


async def call(
    session: AsyncSession,
    vault: Vault,
    policy: McpPolicy,
    tenant_id: str,
    server: McpServer,
    tool: McpTool,
    arguments: dict[str, Any],
    before_send: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """Call one tool of a tenant's server; ``before_send`` is awaited once the session is up, as the call leaves."""
    await still_allowed(server, policy)
    secret = await vault.get(session, tenant_id, secret_purpose(server.name))
    secrets = json.loads(secret.get_secret_value()) if secret else {}
    sent = False
    refusal: ToolError | None = None

    async def journal() -> None:  # keep before_send's refusal, however the session reshapes what it raises
        nonlocal refusal
        try:
            await before_send()
        except ToolError as exc:
            refusal = exc
            raise

    try:
        async with asyncio.timeout(policy.timeout):
            async with open_session(
                server.transport, server.command, server.args, server.url, secrets, policy.timeout, policy.destinations
            ) as client:
                await journal()
                sent = True  # from here on the server may act on the call, answer or not
                result = await client.call_tool(tool.name, arguments)
    except Exception as exc:  # an unreachable, crashing or silent server; or before_send refusing to send again
        if refusal is not None:
            raise refusal from None
        title = f"MCP server {server.name}"
        raise lost_in_transit(title, failure_kind(exc), sent=sent, repeatable=tool.repeatable) from None
    text = "\n".join(getattr(block, "text", "") for block in result.content if getattr(block, "text", None))
    if result.is_error:
        raise ToolError("permanent", (text or "the tool reported an error")[:500])
    structured = result.structured_content
    return {"result": structured, "text": text[:20000]} if structured is not None else {"text": text[:20000]}
