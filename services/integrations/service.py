"""Integrations domain logic: connecting tenants, publishing their tool catalog, executing tool calls once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import (
    Actor,
    Envelope,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from libs.platform.outbox import UnitOfWork
from services.integrations.catalog import publish_catalog
from services.integrations.errors import ToolError
from services.integrations.manifest import SERVICE, Manifest, builtin_manifests
from services.integrations.mcp import calls as mcp_calls
from services.integrations.mcp.policy import McpPolicy
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.providers import demo_store, hubspot, shopify, stripe, zendesk
from services.integrations.repository import (
    AuditRecord,
    AuditRepository,
    Connection,
    ConnectionRepository,
    DemoStoreRepository,
    ExecutionRepository,
    McpServer,
    McpServerRepository,
    McpTool,
)
from services.integrations.tools.call import ToolCall
from services.integrations.vault import Vault

__all__ = ["AttemptJournal", "Remotes", "execute", "on_tenant_created", "publish_catalog"]

ACTOR = Actor(kind="system", id="integrations")


@cache
def _tool_index() -> dict[str, Manifest]:
    """The built-in manifest of each tool name (built once: the manifests are fixed for the process)."""
    return {tool.name: m for m in builtin_manifests().values() for tool in m.tools}


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Every new tenant gets the demo store connected (in live mode: it is a sandbox by construction)."""
    await ConnectionRepository(uow.session).connect(event.tenant_id, "demo_store")
    await demo_store.seed(DemoStoreRepository(uow.session), event.tenant_id)
    await publish_catalog(uow, event.tenant_id, event)


class AttemptJournal:
    """Records that a call is about to leave for a provider, committed at once in its own transaction.

    This is the one deliberate commit outside a unit of work: the execution's own transaction only commits after
    the call, so without it a crash between the call and that commit would leave no trace of the attempt, and
    the redelivered request would send the call again.
    """

    def __init__(self, sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]]) -> None:
        self._sessions = sessions

    async def record(self, tenant_id: str, tool_call_id: str) -> tuple[int, float]:
        """Returns how many earlier attempts of this call there were, and the first one's age in seconds."""
        async with self._sessions() as session:
            earlier = await ExecutionRepository(session).record_attempt(tenant_id, tool_call_id)
            await session.commit()
        return earlier


@dataclass(frozen=True)
class Remotes:
    """What executing third-party tools needs: OAuth tokens, the vault, the MCP policy and the attempt journal."""

    oauth: OAuthConnections
    vault: Vault
    mcp: McpPolicy
    attempts: AttemptJournal


async def execute(uow: UnitOfWork, recorded: RecordedEvent, remotes: Remotes | None = None) -> bool:
    """Execute one requested tool call exactly once; returns False for a redelivery (nothing done).

    The claim, the audit record and the result event commit together. A call that leaves for a provider is
    recorded in the attempt journal right before it is sent. If a crash comes after the call but before that
    commit, the redelivered request finds the earlier attempt and repeats the call only when that is safe (a read,
    an idempotent tool, or a write the provider deduplicates by our idempotency key). Otherwise it fails as
    ``outcome_unknown`` rather than risk doing the write twice.
    """
    event, request = recorded.event, recorded.event.payload
    assert isinstance(request, ToolRequested)
    assert event.conversation_id is not None
    if request.service != SERVICE:
        return False
    executions = ExecutionRepository(uow.session)
    if not await executions.claim(event.tenant_id, request.tool_call_id, event.id, event.conversation_id, request.tool):
        return False
    manifest = _tool_index().get(request.tool)
    connection = await ConnectionRepository(uow.session).get(event.tenant_id, manifest.name) if manifest else None
    mcp_tool = None if manifest else await McpServerRepository(uow.session).tool(event.tenant_id, request.tool)
    integration = manifest.name if manifest else f"mcp:{mcp_tool[0].name}" if mcp_tool else "unknown"
    mode = connection.mode if connection else mcp_tool[0].mode if mcp_tool else "live"
    dry_run = mode == "dry_run"
    started = time.perf_counter()
    result: dict[str, Any] | None = None
    error: ToolError | None = None
    try:
        if mcp_tool is not None:
            result = await _dispatch_mcp(remotes, uow, event.tenant_id, mcp_tool, request, dry_run)
        elif manifest is None or connection is None or not connection.active:
            raise ToolError("unknown_tool", f"{request.tool} is not available to this tenant")
        elif dry_run and connection.dry_run_reads == "simulated":
            # Dry-run with simulated reads: nothing reaches the provider, not even a read.
            result = _simulated(manifest, request)
        elif manifest.auth.type == "none":
            result = await _dispatch(DemoStoreRepository(uow.session), event.tenant_id, request, dry_run)
        else:
            result = await _dispatch_manifest(remotes, uow, event, manifest, connection, dry_run)
    except ToolError as exc:
        error = exc
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    status = "completed" if error is None else "failed"
    await executions.finish(event.tenant_id, request.tool_call_id, status)
    record = AuditRecord(
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
    await AuditRepository(uow.session).record(record)
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
            kind=cast(Any, error.kind),
            message=error.message,
            latency_ms=latency_ms,
        )
    uow.emit(
        Envelope.new(
            outcome, tenant_id=event.tenant_id, conversation_id=event.conversation_id, actor=ACTOR, caused_by=event
        )
    )
    return True


async def _before_sending(
    remotes: Remotes, tenant_id: str, request: ToolRequested, *, repeatable: bool, keyed_for: float | None = None
) -> None:
    """Journal the attempt; refuse to repeat a call that may already have happened and is not safe to repeat.

    ``keyed_for``: the write carries an idempotency key the provider remembers this many seconds, so it may be
    repeated while the first attempt is younger than that."""
    earlier, age = await remotes.attempts.record(tenant_id, request.tool_call_id)
    if earlier and not repeatable and not (keyed_for is not None and age < keyed_for):
        raise ToolError(
            "outcome_unknown",
            f"An earlier attempt of {request.tool} may already have reached the provider, and repeating it could "
            "do it twice, so it was not sent again. Do not retry it; tell the customer a colleague will check.",
        )


async def _dispatch(repo: DemoStoreRepository, tenant_id: str, request: ToolRequested, dry_run: bool) -> dict[str, Any]:
    """The demo store: its data is in our own database, so the call commits (or not) with the execution."""
    match request.tool:
        case "get_order_status":
            return await demo_store.get_order_status(repo, tenant_id, request.arguments)
        case "list_customer_orders":
            return await demo_store.list_customer_orders(repo, tenant_id, request.arguments)
        case "refund_order":
            return await demo_store.refund_order(repo, tenant_id, request.arguments, request.idempotency_key, dry_run)
        case _:
            raise ToolError("unknown_tool", f"{request.tool} has no handler")


OAUTH_HANDLERS = {"hubspot": hubspot.execute, "shopify": shopify.execute, "zendesk": zendesk.execute}
API_KEY_HANDLERS = {"stripe": stripe.execute}


async def _dispatch_manifest(
    remotes: Remotes | None,
    uow: UnitOfWork,
    event: Envelope,
    manifest: Manifest,
    connection: Connection,
    dry_run: bool,
) -> dict[str, Any]:
    """A third-party integration's tool. In dry run, writes are only described, with the would-be request."""
    request = event.payload
    assert isinstance(request, ToolRequested)
    tool = next(t for t in manifest.tools if t.name == request.tool)
    if remotes is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    repeatable = tool.annotations.read_only or tool.annotations.idempotent
    keyed_for = manifest.idempotency_key_ttl_seconds if tool.provider_idempotency_key else None

    async def before_send() -> None:
        await _before_sending(remotes, event.tenant_id, request, repeatable=repeatable, keyed_for=keyed_for)

    call = ToolCall(uow, event, request, manifest, connection, dry_run, before_send)
    if dry_run and not tool.annotations.read_only:
        return {"would_call": request.tool, "arguments": request.arguments, **describe_write(call)}
    if manifest.auth.type == "oauth2" and manifest.name in OAUTH_HANDLERS:
        return await OAUTH_HANDLERS[manifest.name](remotes.oauth, call)
    if manifest.auth.type == "api_key" and manifest.name in API_KEY_HANDLERS:
        return await API_KEY_HANDLERS[manifest.name](remotes.vault, call)
    raise ToolError("unknown_tool", f"{request.tool} has no handler")


def describe_write(call: ToolCall) -> dict[str, Any]:
    """What a dry-run write reports: the exact would-be request where the handler can build it, else a summary."""
    builder = REQUEST_BUILDERS.get(call.manifest.name)
    if builder is not None:
        return builder(call)
    arguments = json.dumps(call.request.arguments)
    return {"summary": f"Would call {call.manifest.title} {call.request.tool} with {arguments}."}


REQUEST_BUILDERS: dict[str, Callable[[ToolCall], dict[str, Any]]] = {"stripe": stripe.describe}


async def _dispatch_mcp(
    remotes: Remotes | None,
    uow: UnitOfWork,
    tenant_id: str,
    mcp_tool: tuple[McpServer, McpTool],
    request: ToolRequested,
    dry_run: bool,
) -> dict[str, Any]:
    server, tool = mcp_tool
    if remotes is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    if dry_run and not tool.read_only:
        return {
            "would_call": tool.name,
            "arguments": request.arguments,
            "summary": f"Would call {tool.name} on MCP server {server.name} with {json.dumps(request.arguments)}.",
        }

    async def before_send() -> None:
        await _before_sending(remotes, tenant_id, request, repeatable=tool.repeatable)

    return await mcp_calls.call(
        uow.session, remotes.vault, remotes.mcp, tenant_id, server, tool, request.arguments, before_send
    )


def _simulated(manifest: Manifest, request: ToolRequested) -> dict[str, Any]:
    tool = next((t for t in manifest.tools if t.name == request.tool), None)
    kind = "read" if tool is not None and tool.annotations.read_only else "write"
    return {
        "simulated": True,
        "summary": f"Dry run: the {kind} {request.tool} was simulated; nothing was sent to {manifest.title}.",
        "request": request.arguments,
    }
