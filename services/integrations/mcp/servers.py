"""Tenant-registered MCP servers (stdio command or streamable-HTTP URL) whose tools join the tenant's catalog.

Tools keep their input schema and annotations as the server declares them; only their names are rewritten to a
provider-safe form (``mcp_<server>__<tool>``, letters, digits, ``_`` and ``-``, at most 64 characters). Calls go
through the same once-only execution, audit and dry-run as every other tool (``mcp.calls``). Environment variables
and HTTP headers (credentials) are kept in the vault, never in the ``mcp_servers`` row.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.mcp.client import failure_kind, open_session
from services.integrations.mcp.policy import (
    McpError,
    McpPolicy,
    McpServerRegistration,
    Unreachable,
    validate_registration,
)
from services.integrations.repository import McpServerRepository, McpTool
from services.integrations.vault import Vault

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def provider_name(server: str, tool: str) -> str:
    """A name every model provider accepts (``^[A-Za-z0-9_-]{1,64}$``), stable for a given server and tool."""
    name = _UNSAFE.sub("_", f"mcp_{server}__{tool}")
    if len(name) > 64 or name != f"mcp_{server}__{tool}":
        # Rewritten or cut names get a digest of the original, so two tools never collide.
        name = f"{name[:55]}_{hashlib.sha256(tool.encode()).hexdigest()[:8]}"
    return name


def secret_purpose(server: str) -> str:
    return f"mcp:{server}:credentials"


def _annotations(tool: Any) -> dict[str, Any]:
    return tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else {}


async def discover(registration: McpServerRegistration, policy: McpPolicy) -> list[McpTool]:
    """Connect and list the server's tools (all pages)."""
    secrets = {"env": registration.env, "headers": registration.headers}
    tools: list[McpTool] = []
    try:
        async with asyncio.timeout(policy.timeout):
            async with open_session(
                registration.transport, registration.command, registration.args, registration.url, secrets,
                policy.timeout, policy.destinations,
            ) as client:  # fmt: skip
                cursor: str | None = None
                while True:
                    page = await client.list_tools(cursor=cursor)
                    tools += [
                        McpTool(
                            name=t.name,
                            provider_name=provider_name(registration.name, t.name),
                            description=t.description or t.title or t.name,
                            input_schema=t.input_schema,
                            annotations=_annotations(t),
                        )
                        for t in page.tools
                    ]
                    cursor = page.next_cursor
                    if not cursor:
                        break
    except Exception as exc:  # any failure of a third-party server is reported, never its secrets
        raise McpError(
            502, f"could not list the tools of MCP server {registration.name!r} ({failure_kind(exc)})"
        ) from None
    names = [t.provider_name for t in tools]
    if len(set(names)) != len(names):
        raise McpError(422, f"MCP server {registration.name!r} has tools whose safe names collide")
    return tools


async def checked(registration: McpServerRegistration, policy: McpPolicy) -> tuple[list[McpTool], str | None]:
    """A registration checked against the operator's policy (its refusals raise ``McpError``: 403, 422), then its
    tools; a server that cannot be reached or listed now has none, and the second item says why (it is saved
    either way, like single sign-on's issuer, and listed again on refresh)."""
    try:
        await validate_registration(registration, policy)
        return await discover(registration, policy), None
    except Unreachable as exc:
        return [], f"could not reach MCP server {registration.name!r}: {exc.message}"[:500]
    except McpError as exc:
        if exc.status != 502:  # a refusal, or tools whose safe names collide: the registration's to fix
            raise
        return [], exc.message[:500]


async def register(
    session: AsyncSession,
    vault: Vault,
    tenant_id: str,
    registration: McpServerRegistration,
    tools: list[McpTool],
    problem: str | None = None,
) -> None:
    if registration.env or registration.headers:
        secrets = json.dumps({"env": registration.env, "headers": registration.headers})
        await vault.put(session, tenant_id, secret_purpose(registration.name), secrets)
    else:
        await vault.delete(session, tenant_id, secret_purpose(registration.name))
    await McpServerRepository(session).upsert(
        tenant_id,
        registration.name,
        transport=registration.transport,
        command=registration.command,
        args=registration.args,
        url=registration.url,
        mode=registration.mode,
        tools=tools,
        problem=problem,
    )


async def stored_registration(
    session: AsyncSession, vault: Vault, tenant_id: str, name: str
) -> McpServerRegistration | None:
    """A connected server's registration as stored (credentials read back from the vault), to list its tools
    again; None if there is no active server of that name."""
    active = await McpServerRepository(session).of_tenant(tenant_id, active_only=True)
    server = next((s for s in active if s.name == name), None)
    if server is None:
        return None
    secret = await vault.get(session, tenant_id, secret_purpose(name))
    secrets = json.loads(secret.get_secret_value()) if secret else {}
    return McpServerRegistration(
        name=name, transport=server.transport, command=server.command, args=server.args,
        env=secrets.get("env") or {}, url=server.url, headers=secrets.get("headers") or {}, mode=server.mode,
    )  # fmt: skip


async def forget_credentials(session: AsyncSession, vault: Vault, tenant_id: str, server: str) -> None:
    await vault.delete(session, tenant_id, secret_purpose(server))
