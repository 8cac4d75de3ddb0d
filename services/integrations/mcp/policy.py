"""What the operator allows tenants to register as MCP servers, checked at registration and again at every call.

A stdio server is a command run on Deskpilot's own hosts, so only commands the operator allows
(``DESKPILOT_MCP_STDIO_COMMANDS``) can be registered; HTTP URLs must not resolve to private addresses unless
``DESKPILOT_MCP_ALLOW_PRIVATE`` is set (server-side request forgery).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, RootModel

from libs.platform.destinations import DestinationRefused, Destinations
from libs.platform.http import HTTP_URL
from services.integrations.errors import ToolError
from services.integrations.repository import McpServer

NAME_PATTERN = r"^[a-z][a-z0-9_]{1,30}$"
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


_SAFE_ENV = "^(?!LD_|DYLD_)(?!(" + "|".join(sorted(_LOADER_ENV)) + ")$)[A-Za-z_][A-Za-z0-9_]{0,100}$"
"""An ``env`` variable a tenant may set (what ``validate_registration`` checks, stated in the contract)."""


class _Registering(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="short id, part of every tool's name")
    mode: Literal["live", "dry_run"] = "live"


class StdioServer(_Registering):
    """A command the platform runs (one the operator allows: ``DESKPILOT_MCP_STDIO_COMMANDS``, else 403)."""

    transport: Literal["stdio"]
    command: str = Field(min_length=1, max_length=500)
    args: list[str] = Field(default=[], max_length=50)
    env: dict[str, str] = Field(
        default={},
        max_length=50,
        description="stored encrypted; no loader or interpreter settings (PATH, PYTHONPATH, LD_…, …)",
        json_schema_extra={"propertyNames": {"pattern": _SAFE_ENV}},
    )


class HttpServer(_Registering):
    """A streamable-HTTP server; its host must resolve to public addresses unless the operator allows private ones
    (``DESKPILOT_MCP_ALLOW_PRIVATE``, else 403)."""

    transport: Literal["http"]
    url: str = Field(max_length=2000, pattern=HTTP_URL)
    headers: dict[str, str] = Field(default={}, max_length=20, description="e.g. Authorization; stored encrypted")


class McpServerRequest(RootModel[Annotated[StdioServer | HttpServer, Field(discriminator="transport")]]):
    """An MCP server a tenant connects, by ``transport``: a stdio ``command`` (+ ``args``, ``env``) or a
    streamable-HTTP ``url`` (+ ``headers``). Registering an existing name replaces it."""

    def registration(self) -> McpServerRegistration:
        return McpServerRegistration.model_validate(self.root.model_dump())


class McpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Unreachable(McpError):
    """The server's host does not resolve: it cannot be reached now (not a policy refusal)."""


@dataclass(frozen=True)
class McpPolicy:
    stdio_commands: frozenset[str]
    allow_private: bool
    timeout: float

    @property
    def destinations(self) -> Destinations:
        return Destinations(allow_private=self.allow_private)


async def validate_registration(registration: McpServerRegistration, policy: McpPolicy) -> None:
    if registration.transport == "stdio":
        if not registration.command or registration.url or registration.headers:
            raise McpError(422, "a stdio server needs 'command' (with 'args', 'env'), and no 'url' or 'headers'")
        for key in registration.env:
            if not _ENV_KEY.match(key) or key in _LOADER_ENV or key.startswith(("LD_", "DYLD_")):
                raise McpError(422, f"env variable {key!r} is not allowed (loader and interpreter settings are not)")
        if registration.command not in policy.stdio_commands:
            raise McpError(403, "this command is not allowed; the operator lists stdio commands in "
                           "DESKPILOT_MCP_STDIO_COMMANDS")  # fmt: skip
        return
    if not registration.url or registration.command or registration.args or registration.env:
        raise McpError(422, "an http server needs 'url' (with 'headers'), and no 'command', 'args' or 'env'")
    parts = urlsplit(registration.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise McpError(422, "url must be an http(s) URL")
    await _public_destination(registration.url, policy)


async def _public_destination(url: str, policy: McpPolicy) -> None:
    """Unless private destinations are allowed, every address the host resolves to must be public (the platform's
    one rule, which also pins each connection of a session to a checked address)."""
    try:
        await policy.destinations.check_url(url)
    except DestinationRefused as refused:
        if refused.unresolvable:
            raise Unreachable(422, refused.reason) from None
        raise McpError(403, refused.reason) from None


async def still_allowed(server: McpServer, policy: McpPolicy) -> None:
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
