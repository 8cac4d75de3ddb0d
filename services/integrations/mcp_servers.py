"""Tenant-registered MCP servers (stdio command or streamable-HTTP URL) whose tools join the tenant's catalog.

Tools keep their input schema and annotations as the server declares them; only their names are rewritten to a
provider-safe form (``mcp_<server>__<tool>``, letters, digits, ``_`` and ``-``, at most 64 characters). Calls go
through the same once-only execution, audit and dry-run as every other tool. Environment variables and HTTP headers
(credentials) are kept in the vault, never in the ``mcp_servers`` row.

A stdio server is a command run on Deskpilot's own hosts, so only commands the operator allows
(``DESKPILOT_MCP_STDIO_COMMANDS``) can be registered; HTTP URLs must not resolve to private addresses unless
``DESKPILOT_MCP_ALLOW_PRIVATE`` is set (server-side request forgery).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.errors import ToolError, lost_in_transit
from services.integrations.repository import McpServer, McpServerRepository, McpTool
from services.integrations.vault import Vault

NAME_PATTERN = r"^[a-z][a-z0-9_]{1,30}$"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,100}$")
# Variables that would let a tenant change what the allowed command loads or runs.
_LOADER_ENV = frozenset(
    {"PATH", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE", "NODE_OPTIONS", "NODE_PATH", "HOME"}
)


class McpServerRegistration(BaseModel):
    """An MCP server a tenant connects: a stdio ``command`` (+ ``args``, ``env``) or a streamable-HTTP ``url``
    (+ ``headers``, e.g. ``Authorization``). ``env`` and ``headers`` are stored encrypted."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="short id, part of every tool's name")
    transport: Literal["stdio", "http"]
    command: str | None = Field(default=None, max_length=500)
    args: list[str] = Field(default=[], max_length=50)
    env: dict[str, str] = Field(default={}, max_length=50)
    url: str | None = Field(default=None, max_length=2000)
    headers: dict[str, str] = Field(default={}, max_length=20)
    mode: Literal["live", "dry_run"] = "live"

    def __repr__(self) -> str:  # env and headers carry credentials
        return f"McpServerRegistration(name={self.name!r}, transport={self.transport!r})"

    __str__ = __repr__


class McpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class McpPolicy:
    stdio_commands: frozenset[str]
    allow_private: bool
    timeout: float


def provider_name(server: str, tool: str) -> str:
    """A name every model provider accepts (``^[A-Za-z0-9_-]{1,64}$``), stable for a given server and tool."""
    name = _UNSAFE.sub("_", f"mcp_{server}__{tool}")
    if len(name) > 64 or name != f"mcp_{server}__{tool}":
        # Rewritten or cut names get a digest of the original, so two tools never collide.
        name = f"{name[:55]}_{hashlib.sha256(tool.encode()).hexdigest()[:8]}"
    return name


def _secret_purpose(server: str) -> str:
    return f"mcp:{server}:credentials"


async def validate(registration: McpServerRegistration, policy: McpPolicy) -> None:
    if registration.transport == "stdio":
        if not registration.command or registration.url or registration.headers:
            raise McpError(422, "a stdio server needs 'command' (with 'args', 'env'), and no 'url' or 'headers'")
        for key in registration.env:
            if not _ENV_KEY.match(key) or key in _LOADER_ENV or key.startswith(("LD_", "DYLD_")):
                raise McpError(422, f"env variable {key!r} is not allowed (loader and interpreter settings are not)")
        if registration.command not in policy.stdio_commands:
            raise McpError(422, "this command is not allowed; the operator lists stdio commands in "
                           "DESKPILOT_MCP_STDIO_COMMANDS")  # fmt: skip
        return
    if not registration.url or registration.command or registration.args or registration.env:
        raise McpError(422, "an http server needs 'url' (with 'headers'), and no 'command', 'args' or 'env'")
    parts = urlsplit(registration.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise McpError(422, "url must be an http(s) URL")
    await _public_destination(registration.url, policy)


async def _public_destination(url: str, policy: McpPolicy) -> None:
    """Unless private destinations are allowed, every address the host resolves to must be public."""
    parts = urlsplit(url)
    if policy.allow_private or parts.hostname is None:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443)
    except OSError:
        raise McpError(422, f"cannot resolve {parts.hostname}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise McpError(422, f"{parts.hostname} resolves to a non-public address")


async def _still_allowed(server: McpServer, policy: McpPolicy) -> None:
    """The operator's policy as it is now, at every call: a command taken off the allow-list stops running, and
    a host that has come to resolve to a private address (DNS rebinding) is not called."""
    try:
        if server.transport == "stdio":
            if server.command not in policy.stdio_commands:
                raise McpError(403, "its command is no longer allowed by the operator (DESKPILOT_MCP_STDIO_COMMANDS)")
        else:
            assert server.url is not None
            await _public_destination(server.url, policy)
    except McpError as exc:
        raise ToolError("permanent", f"MCP server {server.name} was not called: {exc.message}") from None


@asynccontextmanager
async def _session(
    transport: str, command: str | None, args: list[str], url: str | None, secrets: dict[str, Any], timeout: float
) -> AsyncIterator[Client]:
    if transport == "stdio":
        assert command is not None
        params = StdioServerParameters(command=command, args=args, env=secrets.get("env") or None)
        async with Client(params, read_timeout_seconds=timeout) as client:
            yield client
        return
    assert url is not None
    async with (
        httpx2.AsyncClient(headers=secrets.get("headers") or {}, timeout=timeout) as http,
        Client(streamable_http_client(url, http_client=http), read_timeout_seconds=timeout) as client,
    ):
        yield client


def _annotations(tool: Any) -> dict[str, Any]:
    return tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else {}


async def discover(registration: McpServerRegistration, policy: McpPolicy) -> list[McpTool]:
    """Connect and list the server's tools (all pages)."""
    secrets = {"env": registration.env, "headers": registration.headers}
    tools: list[McpTool] = []
    try:
        async with asyncio.timeout(policy.timeout):
            async with _session(
                registration.transport, registration.command, registration.args, registration.url, secrets,
                policy.timeout,
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
        raise McpError(502, f"could not list the tools of MCP server {registration.name!r} ({_kind(exc)})") from None
    names = [t.provider_name for t in tools]
    if len(set(names)) != len(names):
        raise McpError(422, f"MCP server {registration.name!r} has tools whose safe names collide")
    return tools


def _kind(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _kind(exc.exceptions[0])
    return type(exc).__name__


async def register(
    session: AsyncSession, vault: Vault, tenant_id: str, registration: McpServerRegistration, tools: list[McpTool]
) -> None:
    if registration.env or registration.headers:
        secrets = json.dumps({"env": registration.env, "headers": registration.headers})
        await vault.put(session, tenant_id, _secret_purpose(registration.name), secrets)
    else:
        await vault.delete(session, tenant_id, _secret_purpose(registration.name))
    await McpServerRepository(session).upsert(
        tenant_id,
        registration.name,
        transport=registration.transport,
        command=registration.command,
        args=registration.args,
        url=registration.url,
        mode=registration.mode,
        tools=tools,
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
    secret = await vault.get(session, tenant_id, _secret_purpose(name))
    secrets = json.loads(secret.get_secret_value()) if secret else {}
    return McpServerRegistration(
        name=name, transport=server.transport, command=server.command, args=server.args,
        env=secrets.get("env") or {}, url=server.url, headers=secrets.get("headers") or {}, mode=server.mode,
    )  # fmt: skip


async def forget_credentials(session: AsyncSession, vault: Vault, tenant_id: str, server: str) -> None:
    await vault.delete(session, tenant_id, _secret_purpose(server))


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
    await _still_allowed(server, policy)
    secret = await vault.get(session, tenant_id, _secret_purpose(server.name))
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
            async with _session(
                server.transport, server.command, server.args, server.url, secrets, policy.timeout
            ) as client:
                await journal()
                sent = True  # from here on the server may act on the call, answer or not
                result = await client.call_tool(tool.name, arguments)
    except Exception as exc:  # an unreachable, crashing or silent server; or before_send refusing to send again
        if refusal is not None:
            raise refusal from None
        title = f"MCP server {server.name}"
        raise lost_in_transit(title, _kind(exc), sent=sent, repeatable=tool.repeatable) from None
    text = "\n".join(getattr(block, "text", "") for block in result.content if getattr(block, "text", None))
    if result.is_error:
        raise ToolError("permanent", (text or "the tool reported an error")[:500])
    structured = result.structured_content
    return {"result": structured, "text": text[:20000]} if structured is not None else {"text": text[:20000]}
