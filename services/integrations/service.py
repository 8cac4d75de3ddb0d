"""Integrations domain logic: connecting tenants, publishing their tool catalog, executing tool calls once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from libs.events import (
    Actor,
    Envelope,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from libs.platform.outbox import UnitOfWork
from services.integrations import demo_store, hubspot, mcp_servers, shopify, stripe, zendesk
from services.integrations.catalog import publish_catalog
from services.integrations.demo_store import ToolError
from services.integrations.manifest import SERVICE, Manifest, builtin_manifests
from services.integrations.mcp_servers import McpPolicy
from services.integrations.oauth import OAuthConnections
from services.integrations.repository import IntegrationsRepository
from services.integrations.vault import Vault

__all__ = ["Remotes", "execute", "on_tenant_created", "publish_catalog"]

ACTOR = Actor(kind="system", id="integrations")


def _tool_index(manifests: dict[str, Manifest]) -> dict[str, Manifest]:
    return {tool.name: m for m in manifests.values() for tool in m.tools}


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Every new tenant gets the demo store connected (in live mode: it is a sandbox by construction)."""
    repo = IntegrationsRepository(uow.session)
    await repo.connect(event.tenant_id, "demo_store")
    await demo_store.seed(repo, event.tenant_id)
    await publish_catalog(uow, repo, event.tenant_id, event)


@dataclass(frozen=True)
class Remotes:
    """What executing third-party tools needs: OAuth tokens, the vault, and the MCP policy."""

    oauth: OAuthConnections
    vault: Vault
    mcp: McpPolicy


async def execute(uow: UnitOfWork, recorded: RecordedEvent, remotes: Remotes | None = None) -> bool:
    """Execute one requested tool call exactly once; returns False for a redelivery (nothing done).

    Remote tools (OAuth integrations, MCP servers) make their call inside this unit of work, so the claim, the
    audit record and the result event commit together; a crash after the call but before the commit can repeat it
    on redelivery, which is why remote write tools should be idempotent at the provider (HubSpot's PATCH is).
    """
    event, request = recorded.event, recorded.event.payload
    assert isinstance(request, ToolRequested)
    assert event.conversation_id is not None
    if request.service != SERVICE:
        return False
    repo = IntegrationsRepository(uow.session)
    if not await repo.claim(event.tenant_id, request.tool_call_id, event.id, event.conversation_id, request.tool):
        return False
    manifest = _tool_index(builtin_manifests()).get(request.tool)
    connection = await repo.connection(event.tenant_id, manifest.name) if manifest else None
    mcp_tool = None if manifest else await repo.mcp_tool(event.tenant_id, request.tool)
    integration = manifest.name if manifest else f"mcp:{mcp_tool[0]['name']}" if mcp_tool else "unknown"
    mode = connection["mode"] if connection else mcp_tool[0]["mode"] if mcp_tool else "live"
    dry_run = mode == "dry_run"
    started = time.perf_counter()
    result: dict[str, Any] | None = None
    error: ToolError | None = None
    try:
        if mcp_tool is not None:
            result = await _dispatch_mcp(remotes, repo, event.tenant_id, mcp_tool, request, dry_run)
        elif manifest is None or connection is None or connection["status"] != "active":
            raise ToolError("unknown_tool", f"{request.tool} is not available to this tenant")
        elif dry_run and connection.get("dry_run_reads") == "simulated":
            # Dry-run with simulated reads: nothing reaches the provider, not even a read.
            result = _simulated(manifest, request)
        elif manifest.auth.type == "oauth2":
            oauth = remotes.oauth if remotes else None
            result = await _dispatch_remote(oauth, repo, event.tenant_id, manifest, connection, request, dry_run)
        elif manifest.auth.type == "api_key":
            result = await _dispatch_api_key(
                uow, remotes, repo, event.tenant_id, manifest, connection, request, dry_run
            )
        else:
            result = await _dispatch(repo, event.tenant_id, request, dry_run)
    except ToolError as exc:
        error = exc
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    status = "completed" if error is None else "failed"
    await repo.finish(event.tenant_id, request.tool_call_id, status)
    await repo.audit(
        tenant_id=event.tenant_id,
        conversation_id=event.conversation_id,
        end_user=request.end_user,
        integration=integration,
        tool=request.tool,
        tool_call_id=request.tool_call_id,
        request=request.arguments,
        response=json.loads(
            json.dumps(result if result is not None else {"error": error.kind if error else "", "message": str(error)})
        ),
        status=status,
        dry_run=dry_run,
        latency_ms=latency_ms,
    )
    if error is None:
        assert result is not None
        outcome: ToolCompleted | ToolFailed = ToolCompleted(
            turn_id=request.turn_id,
            tool_call_id=request.tool_call_id,
            tool=request.tool,
            result=result,
            latency_ms=latency_ms,
            dry_run=dry_run,
        )
    else:
        outcome = ToolFailed(
            turn_id=request.turn_id,
            tool_call_id=request.tool_call_id,
            tool=request.tool,
            kind=error.kind,
            message=error.message,
            latency_ms=latency_ms,
        )
    uow.emit(
        Envelope.new(
            outcome, tenant_id=event.tenant_id, conversation_id=event.conversation_id, actor=ACTOR, caused_by=event
        )
    )
    return True


async def _dispatch(
    repo: IntegrationsRepository, tenant_id: str, request: ToolRequested, dry_run: bool
) -> dict[str, Any]:
    match request.tool:
        case "get_order_status":
            return await demo_store.get_order_status(repo, tenant_id, request.arguments)
        case "list_customer_orders":
            return await demo_store.list_customer_orders(repo, tenant_id, request.arguments)
        case "refund_order":
            return await demo_store.refund_order(repo, tenant_id, request.arguments, request.idempotency_key, dry_run)
        case _:
            raise ToolError("unknown_tool", f"{request.tool} has no handler")


REMOTE_HANDLERS = {"hubspot": hubspot.execute, "shopify": shopify.execute, "zendesk": zendesk.execute}


async def _dispatch_remote(
    oauth: OAuthConnections | None,
    repo: IntegrationsRepository,
    tenant_id: str,
    manifest: Manifest,
    connection: dict[str, Any],
    request: ToolRequested,
    dry_run: bool,
) -> dict[str, Any]:
    handler = REMOTE_HANDLERS.get(manifest.name)
    tool = next(t for t in manifest.tools if t.name == request.tool)
    if handler is None or oauth is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    if dry_run and not tool.annotations.read_only:
        # Dry run: reads are real, anything that changes the provider is only described.
        return {
            "would_call": request.tool,
            "arguments": request.arguments,
            "summary": f"Would call {manifest.title} {request.tool} with {json.dumps(request.arguments)}.",
        }
    return await handler(oauth, repo, tenant_id, manifest, connection, request.tool, request.arguments)


API_KEY_HANDLERS = {"stripe": stripe.execute}


async def _dispatch_api_key(
    uow: UnitOfWork,
    remotes: Remotes | None,
    repo: IntegrationsRepository,
    tenant_id: str,
    manifest: Manifest,
    connection: dict[str, Any],
    request: ToolRequested,
    dry_run: bool,
) -> dict[str, Any]:
    """API-key integrations: the handler describes writes in dry run (with the exact would-be request)."""
    handler = API_KEY_HANDLERS.get(manifest.name)
    if handler is None or remotes is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    return await handler(uow, remotes.vault, repo, tenant_id, manifest, connection, request, dry_run)


async def _dispatch_mcp(
    remotes: Remotes | None,
    repo: IntegrationsRepository,
    tenant_id: str,
    mcp_tool: tuple[dict[str, Any], dict[str, Any]],
    request: ToolRequested,
    dry_run: bool,
) -> dict[str, Any]:
    server, tool = mcp_tool
    if remotes is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    if dry_run and not mcp_servers.is_read_only(tool):
        return {
            "would_call": tool["name"],
            "arguments": request.arguments,
            "summary": f"Would call {tool['name']} on MCP server {server['name']} "
            f"with {json.dumps(request.arguments)}.",
        }
    return await mcp_servers.call(repo, remotes.vault, remotes.mcp, tenant_id, server, tool, request.arguments)


def _simulated(manifest: Manifest, request: ToolRequested) -> dict[str, Any]:
    tool = next((t for t in manifest.tools if t.name == request.tool), None)
    kind = "read" if tool is not None and tool.annotations.read_only else "write"
    return {
        "simulated": True,
        "summary": f"Dry run: the {kind} {request.tool} was simulated; nothing was sent to {manifest.title}.",
        "request": request.arguments,
    }
