"""Answering a replay's tool calls without side effects (``libs/events/sandbox.py``): always the dry-run path.

Reads run as they would in dry-run mode (the demo store in a transaction that is rolled back; a provider's read for
real, or simulated when the connection simulates reads), writes are only described. Unlike execution, nothing is
claimed, journalled, audited or emitted: the call never happened, on the tenant's behalf or anyone's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from libs.events import Actor, Envelope, ToolRequested, new_id
from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall
from libs.platform.outbox import UnitOfWork
from libs.platform.runtime import ServiceRuntime
from libs.platform.sandbox_tools import serve_sandbox_tools
from services.integrations.errors import ToolError
from services.integrations.manifest import SERVICE
from services.integrations.mcp import calls as mcp_calls
from services.integrations.tools.call import ToolCall
from services.integrations.tools.execution import Target, describe_write, resolve, simulated
from services.integrations.tools.registry import REGISTRY, OwnDatabaseTools, ProviderTools, Result
from services.integrations.tools.remotes import Remotes

log = logging.getLogger("deskpilot.integrations.sandbox")
SANDBOX = Actor(kind="system", id="sandbox")


async def _nothing() -> None:
    """A sandbox call is never journalled: it has no tool call to repeat or to account for."""


async def _dispatch(
    uow: UnitOfWork, event: Envelope, request: ToolRequested, target: Target, remotes: Remotes
) -> Result:
    manifest, connection = target.manifest, target.connection
    if target.mcp is not None:
        server, mcp_tool = target.mcp
        if not mcp_tool.read_only:
            summary = f"Would call {mcp_tool.name} on MCP server {server.name}."
            return {"would_call": mcp_tool.name, "arguments": request.arguments, "summary": summary}
        return await mcp_calls.call(
            uow.session, remotes.vault, remotes.mcp, event.tenant_id, server, mcp_tool, request.arguments, _nothing
        )
    if manifest is None or connection is None or not connection.active:
        raise ToolError("unknown_tool", f"{request.tool} is not available to this tenant")
    if connection.dry_run_reads == "simulated" and connection.mode == "dry_run":
        return simulated(manifest, request)
    handlers = REGISTRY.get(manifest.name)
    call = ToolCall(uow, event, request, manifest, connection, True, _nothing)
    if isinstance(handlers, OwnDatabaseTools):
        return await handlers.run(call)  # its own dry-run: validates against the data, writes nothing
    if isinstance(handlers, ProviderTools):
        tool = next(t for t in manifest.tools if t.name == request.tool)
        if not tool.annotations.read_only:
            return {"would_call": request.tool, "arguments": request.arguments, **describe_write(handlers, call)}
        return await handlers.run(call, remotes)
    raise ToolError("unknown_tool", f"{request.tool} has no handler")


async def answer(runtime: ServiceRuntime, remotes: Remotes, call: SandboxToolCall) -> SandboxToolAnswer:
    """What ``call`` would return in dry-run mode; nothing it touches is committed."""
    request = ToolRequested(
        turn_id="sandbox",
        tool_call_id=new_id("call"),
        idempotency_key=f"sandbox:{new_id('call')}",
        tool=call.tool,
        service=SERVICE,
        arguments=call.arguments,
        end_user=call.end_user,
    )
    event = Envelope.new(request, tenant_id=call.tenant_id, conversation_id=call.conversation_id, actor=SANDBOX)
    started = time.perf_counter()
    async with runtime.db.session() as session:
        try:
            target = replace(await resolve(session, call.tenant_id, call.tool), dry_run=True)
            result = await _dispatch(UnitOfWork(session, runtime.outbox), event, request, target, remotes)
        except ToolError as exc:
            return SandboxToolAnswer(status="failed", kind=exc.kind, message=exc.message)
        finally:
            await session.rollback()
    latency = round((time.perf_counter() - started) * 1000, 3)
    return SandboxToolAnswer(status="completed", result=result, dry_run=True, latency_ms=latency)


async def serve(runtime: ServiceRuntime, remotes: Remotes) -> None:
    """Answer sandbox tool calls until cancelled (a background task of the service)."""
    await serve_sandbox_tools(runtime, lambda call: answer(runtime, remotes, call))
