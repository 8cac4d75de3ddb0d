"""Integrations domain logic: connecting tenants, publishing their tool catalog, executing tool calls once."""

from __future__ import annotations

import json
import time
from typing import Any

from libs.events import (
    SYSTEM,
    Actor,
    Envelope,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolsPublished,
)
from libs.platform.outbox import UnitOfWork
from services.integrations import demo_store
from services.integrations.demo_store import ToolError
from services.integrations.manifest import SERVICE, Manifest, builtin_manifests
from services.integrations.repository import IntegrationsRepository

ACTOR = Actor(kind="system", id="integrations")


def _tool_index(manifests: dict[str, Manifest]) -> dict[str, Manifest]:
    return {tool.name: m for m in manifests.values() for tool in m.tools}


async def publish_catalog(
    uow: UnitOfWork, repo: IntegrationsRepository, tenant_id: str, cause: Envelope | None
) -> None:
    """Tell the agent the complete set of tools this tenant's active connections offer."""
    manifests = builtin_manifests()
    active = await repo.active_integrations(tenant_id)
    tools = tuple(spec for name in active if name in manifests for spec in manifests[name].tool_specs())
    uow.emit(
        Envelope.new(ToolsPublished(service=SERVICE, tools=tools), tenant_id=tenant_id, actor=SYSTEM, caused_by=cause)
    )


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Every new tenant gets the demo store connected (in live mode: it is a sandbox by construction)."""
    repo = IntegrationsRepository(uow.session)
    await repo.connect(event.tenant_id, "demo_store")
    await demo_store.seed(repo, event.tenant_id)
    await publish_catalog(uow, repo, event.tenant_id, event)


async def execute(uow: UnitOfWork, recorded: RecordedEvent) -> bool:
    """Execute one requested tool call exactly once; returns False for a redelivery (nothing done)."""
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
    dry_run = bool(connection and connection["mode"] == "dry_run")
    started = time.perf_counter()
    result: dict[str, Any] | None = None
    error: ToolError | None = None
    try:
        if manifest is None or connection is None or connection["status"] != "active":
            raise ToolError("unknown_tool", f"{request.tool} is not available to this tenant")
        result = await _dispatch(repo, event.tenant_id, request, dry_run)
    except ToolError as exc:
        error = exc
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    status = "completed" if error is None else "failed"
    await repo.finish(event.tenant_id, request.tool_call_id, status)
    await repo.audit(
        tenant_id=event.tenant_id,
        conversation_id=event.conversation_id,
        end_user=None,
        integration=manifest.name if manifest else "unknown",
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
