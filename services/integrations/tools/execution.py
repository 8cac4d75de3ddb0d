"""Executing one requested tool call exactly once: claim, resolve, run, record, emit.

The claim, the audit record and the result event commit together. A call that leaves for a provider is recorded
in the attempt journal right before it is sent. If a crash comes after the call but before that commit, the
redelivered request finds the earlier attempt and repeats the call only when that is safe (a read, an idempotent
tool, or a write the provider deduplicates by our idempotency key). Otherwise it fails as ``outcome_unknown``
rather than risk doing the write twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import Envelope, RecordedEvent, ToolRequested
from libs.platform.outbox import UnitOfWork
from libs.platform.tool_executor import ToolAnswer, ToolExecutor
from services.integrations.audit import trail
from services.integrations.errors import ToolError
from services.integrations.manifest import SERVICE, Manifest
from services.integrations.mcp import calls as mcp_calls
from services.integrations.repository import (
    Connection,
    ConnectionRepository,
    ExecutionRepository,
    McpServer,
    McpServerRepository,
    McpTool,
)
from services.integrations.tools.call import ToolCall
from services.integrations.tools.registry import REGISTRY, OwnDatabaseTools, ProviderTools, Result, manifest_of
from services.integrations.tools.remotes import Remotes


@dataclass(frozen=True)
class Target:
    """What a requested tool is for this tenant: a built-in integration's tool (and the tenant's connection to
    it), a tool of one of the tenant's MCP servers, or nothing known."""

    integration: str  # as audited: the manifest name, ``mcp:<server>``, or ``unknown``
    dry_run: bool
    manifest: Manifest | None = None
    connection: Connection | None = None
    mcp: tuple[McpServer, McpTool] | None = None


@dataclass(frozen=True)
class Outcome:
    """How a call ended: its result, or the typed failure the model hears about."""

    result: Result | None
    error: ToolError | None
    latency_ms: float

    @property
    def status(self) -> str:
        return "completed" if self.error is None else "failed"

    @property
    def audited(self) -> Result:
        if self.error is None:
            assert self.result is not None
            return self.result
        return {"error": self.error.kind, "message": str(self.error)}


def executor(remotes: Remotes | None = None) -> ToolExecutor[Target]:
    """The integrations service's tool executor (``libs.platform.tool_executor``): claim and resolve, then run and
    audit."""

    async def claim(uow: UnitOfWork, event: Envelope, request: ToolRequested) -> Target | None:
        assert event.conversation_id is not None
        manifest = manifest_of(request.tool)
        claimed = await ExecutionRepository(uow.session).claim(
            event.tenant_id, request.tool_call_id, event.id, event.conversation_id, request.tool,
            integration=manifest.name if manifest is not None else None,
        )  # fmt: skip
        if claimed is None:
            return None
        if manifest is not None:  # its connection came with the claim
            return _builtin(manifest, claimed.connection)
        return await _mcp_or_unknown(uow.session, event.tenant_id, request.tool)

    async def run(uow: UnitOfWork, event: Envelope, request: ToolRequested, target: Target) -> ToolAnswer:
        outcome = await _timed_run(uow, event, request, target, remotes)
        await trail.record(  # which also sets the claim's status
            uow.session, event, request, target.integration,
            response=outcome.audited, status=outcome.status, dry_run=target.dry_run, latency_ms=outcome.latency_ms,
        )  # fmt: skip
        return ToolAnswer(result=outcome.result or {}, failure=outcome.error, dry_run=target.dry_run)

    return ToolExecutor(SERVICE, claim, run)


async def execute(uow: UnitOfWork, recorded: RecordedEvent, remotes: Remotes | None = None) -> bool:
    """Execute one requested tool call exactly once (see the module doc); returns False for a redelivery (nothing
    done) or a request for another service."""
    return await executor(remotes).execute(uow, recorded)


async def resolve(session: AsyncSession, tenant_id: str, tool: str) -> Target:
    """What ``tool`` is for this tenant (a sandbox call's: an execution's comes with its claim)."""
    manifest = manifest_of(tool)
    if manifest is not None:
        return _builtin(manifest, await ConnectionRepository(session).get(tenant_id, manifest.name))
    return await _mcp_or_unknown(session, tenant_id, tool)


def _builtin(manifest: Manifest, connection: Connection | None) -> Target:
    dry_run = connection is not None and connection.mode == "dry_run"
    return Target(manifest.name, dry_run, manifest=manifest, connection=connection)


async def _mcp_or_unknown(session: AsyncSession, tenant_id: str, tool: str) -> Target:
    mcp = await McpServerRepository(session).tool(tenant_id, tool)
    if mcp is not None:
        return Target(f"mcp:{mcp[0].name}", mcp[0].mode == "dry_run", mcp=mcp)
    return Target("unknown", dry_run=False)


async def _timed_run(
    uow: UnitOfWork, event: Envelope, request: ToolRequested, target: Target, remotes: Remotes | None
) -> Outcome:
    started = time.perf_counter()
    try:
        result: Result | None = await _run(uow, event, request, target, remotes)
        error = None
    except ToolError as exc:
        result, error = None, exc
    return Outcome(result, error, latency_ms=round((time.perf_counter() - started) * 1000, 3))


async def _run(
    uow: UnitOfWork, event: Envelope, request: ToolRequested, target: Target, remotes: Remotes | None
) -> Result:
    if target.mcp is not None:
        return await _run_mcp(uow.session, event.tenant_id, request, target.mcp, target.dry_run, remotes)
    manifest, connection = target.manifest, target.connection
    if manifest is None or connection is None or not connection.active:
        raise ToolError("unknown_tool", f"{request.tool} is not available to this tenant")
    if target.dry_run and connection.dry_run_reads == "simulated":
        return simulated(manifest, request)  # nothing reaches the provider, not even a read
    handlers = REGISTRY.get(manifest.name)
    if isinstance(handlers, OwnDatabaseTools):
        return await handlers.run(ToolCall(uow, event, request, manifest, connection, target.dry_run, _nothing))
    if isinstance(handlers, ProviderTools) and remotes is not None:
        tool = next(t for t in manifest.tools if t.name == request.tool)
        repeatable = tool.annotations.read_only or tool.annotations.idempotent
        keyed_for = manifest.idempotency_key_ttl_seconds if tool.provider_idempotency_key else None
        journal = _journal(remotes, event.tenant_id, request, repeatable=repeatable, keyed_for=keyed_for)
        call = ToolCall(uow, event, request, manifest, connection, target.dry_run, journal)
        if call.dry_run and not tool.annotations.read_only:  # a write in dry run is only described
            return {"would_call": request.tool, "arguments": request.arguments, **describe_write(handlers, call)}
        return await handlers.run(call, remotes)
    raise ToolError("unknown_tool", f"{request.tool} has no handler")


async def _nothing() -> None:
    """``before_send`` of a call that never leaves (the demo store's data is in our own database)."""


def describe_write(handlers: ProviderTools, call: ToolCall) -> Result:
    """What a dry-run write reports: the exact would-be request where the handler can build it, else a summary."""
    if handlers.describe_write is not None:
        return handlers.describe_write(call)
    arguments = json.dumps(call.request.arguments)
    return {"summary": f"Would call {call.manifest.title} {call.request.tool} with {arguments}."}


def _journal(
    remotes: Remotes, tenant_id: str, request: ToolRequested, *, repeatable: bool, keyed_for: float | None = None
) -> Callable[[], Awaitable[None]]:
    """The call's ``before_send``: journal the attempt; refuse to repeat a call that may already have happened and
    is not safe to repeat.

    ``keyed_for``: the write carries an idempotency key the provider remembers this many seconds, so it may be
    repeated while the first attempt is younger than that."""

    async def before_send() -> None:
        earlier, age = await remotes.attempts.record(tenant_id, request.tool_call_id)
        if earlier and not repeatable and not (keyed_for is not None and age < keyed_for):
            raise ToolError(
                "outcome_unknown",
                f"An earlier attempt of {request.tool} may already have reached the provider, and repeating it "
                "could do it twice, so it was not sent again. Do not retry it; tell the customer a colleague will "
                "check.",
            )

    return before_send


async def _run_mcp(
    session: AsyncSession,
    tenant_id: str,
    request: ToolRequested,
    mcp: tuple[McpServer, McpTool],
    dry_run: bool,
    remotes: Remotes | None,
) -> Result:
    server, tool = mcp
    if remotes is None:
        raise ToolError("unknown_tool", f"{request.tool} has no handler")
    if dry_run and not tool.read_only:
        return {
            "would_call": tool.name,
            "arguments": request.arguments,
            "summary": f"Would call {tool.name} on MCP server {server.name} with {json.dumps(request.arguments)}.",
        }
    journal = _journal(remotes, tenant_id, request, repeatable=tool.repeatable)
    return await mcp_calls.call(
        session, remotes.vault, remotes.mcp, tenant_id, server, tool, request.arguments, journal
    )


def simulated(manifest: Manifest, request: ToolRequested) -> Result:
    tool = next((t for t in manifest.tools if t.name == request.tool), None)
    kind = "read" if tool is not None and tool.annotations.read_only else "write"
    return {
        "simulated": True,
        "summary": f"Dry run: the {kind} {request.tool} was simulated; nothing was sent to {manifest.title}.",
        "request": request.arguments,
    }
