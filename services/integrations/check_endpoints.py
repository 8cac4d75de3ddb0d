"""``POST /v1/integrations/{name}/test`` and ``/mcp/{server}/test``: is this connection working right now?"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from libs.platform.http import Runtime, TenantId
from services.integrations import checks
from services.integrations.errors import ToolError
from services.integrations.manifest import builtin_manifests
from services.integrations.mcp import servers as mcp_servers
from services.integrations.mcp.policy import McpError, McpPolicy, validate_registration
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.repository import ConnectionRepository
from services.integrations.schemas import ConnectionTested
from services.integrations.vault import Vault, VaultError


def _answer(name: str, result: checks.CheckResult) -> ConnectionTested:
    return ConnectionTested(
        integration=name,
        ok=result.ok,
        outcome=result.outcome,
        detail=result.detail,
        latency_ms=result.latency_ms,
        checked_at=datetime.now(UTC),
    )


def _not_connected(name: str, detail: str) -> ConnectionTested:
    return ConnectionTested(
        integration=name, ok=False, outcome="not_connected", detail=detail, latency_ms=0.0, checked_at=datetime.now(UTC)
    )


class ConnectionChecksController(Controller):
    path = "/v1/integrations"

    @post("/{name:str}/test", status_code=200)
    async def test_connection(
        self,
        name: FromPath[str],
        tenant_id: TenantId,
        runtime: Runtime,
        oauth: NamedDependency[OAuthConnections],
        vault: NamedDependency[Vault],
        mcp_policy: NamedDependency[McpPolicy],
    ) -> ConnectionTested:
        """One harmless read at the provider with the stored credentials (nothing written, nothing audited): ``ok``
        with what the provider said, or why not (``unauthorized``, ``unreachable``, ``error``, ``not_connected``)."""
        manifest = builtin_manifests().get(name)
        check = checks.CHECKS.get(name)
        if manifest is None or check is None:
            raise NotFoundException(f"there is no integration named {name!r}")
        async with runtime.unit_of_work() as uow:
            connection = await ConnectionRepository(uow.session).get(tenant_id, name)
            if connection is None or not connection.active:
                return _not_connected(name, f"{manifest.title} is not connected")
            target = checks.Target(uow, tenant_id, manifest, connection, oauth, vault, mcp_policy.destinations)
            result = await checks.run(lambda: check(target))
        return _answer(name, result)

    @post("/mcp/{server:str}/test", status_code=200)
    async def test_mcp_server(
        self,
        server: FromPath[str],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
        mcp_policy: NamedDependency[McpPolicy],
    ) -> ConnectionTested:
        """Connect to the MCP server and list its tools, without changing the tools the agent has."""
        async with runtime.db.session() as session:
            try:
                registration = await mcp_servers.stored_registration(session, vault, tenant_id, server)
            except VaultError:
                registration = None
        if registration is None:
            return _not_connected(f"mcp:{server}", f"there is no connected MCP server named {server!r}")

        async def check() -> str:
            try:
                await validate_registration(registration, mcp_policy)
                tools = await mcp_servers.discover(registration, mcp_policy)
            except McpError as exc:
                raise ToolError("transient" if exc.status >= 500 else "permanent", exc.message) from None
            return f"{server} answered with {len(tools)} tools."

        return _answer(f"mcp:{server}", await checks.run(check))
