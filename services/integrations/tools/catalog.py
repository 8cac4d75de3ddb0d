"""The tool catalog a tenant's agent sees, and withdrawing it when a connection dies."""

from __future__ import annotations

from libs.events import SYSTEM, Envelope, IntegrationRevoked, ToolSpec, ToolsPublished
from libs.platform.outbox import UnitOfWork
from services.integrations.manifest import SERVICE, builtin_manifests
from services.integrations.repository import ConnectionRepository, McpServerRepository


async def publish_catalog(uow: UnitOfWork, tenant_id: str, cause: Envelope | None) -> None:
    """Tell the agent the complete set of tools this tenant's active connections offer."""
    manifests = builtin_manifests()
    active = await ConnectionRepository(uow.session).active_integrations(tenant_id)
    tools = [spec for name in active if name in manifests for spec in manifests[name].tool_specs()]
    for server in await McpServerRepository(uow.session).of_tenant(tenant_id, active_only=True):
        tools += [
            ToolSpec(
                name=tool.provider_name,
                description=tool.description,
                input_schema=tool.input_schema,
                # The risk class follows the read-only hint; the annotations themselves travel unchanged.
                risk="read" if tool.read_only else "write",
                annotations=tool.annotations,
                service=SERVICE,
                integration=f"mcp:{server.name}",
            )
            for tool in server.tools
        ]
    uow.emit(
        Envelope.new(
            ToolsPublished(service=SERVICE, tools=tuple(tools)), tenant_id=tenant_id, actor=SYSTEM, caused_by=cause
        )
    )


async def revoke(uow: UnitOfWork, tenant_id: str, integration: str, reason: str) -> None:
    """The connection is dead for good: mark it, announce it, and publish the catalog without its tools."""
    if not await ConnectionRepository(uow.session).revoke(tenant_id, integration, reason):
        return
    uow.emit(
        Envelope.new(IntegrationRevoked(integration=integration, reason=reason), tenant_id=tenant_id, actor=SYSTEM)
    )
    await publish_catalog(uow, tenant_id, None)
