"""What the integrations tests share: a tool request as the agent sends it, its outcome, API-key headers, the
database work of a block."""

from __future__ import annotations

from typing import Any

from libs.events import Actor, Envelope, RecordedEvent, ToolCompleted, ToolFailed, ToolRequested, new_id
from libs.platform.runtime import ServiceRuntime
from services.integrations import service
from tests.support import outbox_events

# (HTTP client, runtime, remotes, the provider's fake): what each provider's test module runs.
Service = tuple[Any, ServiceRuntime, service.Remotes, Any]


def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def tool_call(
    tenant_id: str, tool: str, arguments: dict[str, Any], conversation_id: str | None = None
) -> RecordedEvent:
    """A ``tool.requested`` for the integrations service, as the agent would append it."""
    call = new_id("call")
    request = ToolRequested(
        turn_id="turn_1",
        tool_call_id=call,
        idempotency_key=f"{tenant_id}:{call}",
        tool=tool,
        service="integrations",
        arguments=arguments,
    )
    envelope = Envelope.new(
        request, tenant_id=tenant_id, conversation_id=conversation_id or new_id("conv"), actor=Actor(kind="ai", id="a")
    )
    return RecordedEvent(1, envelope)


async def outcomes_of(runtime: ServiceRuntime, request: RecordedEvent) -> list[Any]:
    """Every ``tool.completed`` / ``tool.failed`` the service committed for ``request``."""
    return [
        e.payload
        for e in await outbox_events(runtime)
        if e.type in ("tool.completed", "tool.failed") and e.causation_id == request.event.id
    ]


async def outcome_of(runtime: ServiceRuntime, request: RecordedEvent) -> ToolCompleted | ToolFailed:
    (outcome,) = await outcomes_of(runtime, request)
    assert isinstance(outcome, ToolCompleted | ToolFailed)
    return outcome


async def run_tool(svc: Service, tenant_id: str, tool: str, arguments: dict[str, Any]) -> ToolCompleted | ToolFailed:
    """Execute one new tool call on the real execution path; its outcome."""
    _, runtime, remotes, _ = svc
    request = tool_call(tenant_id, tool, arguments)
    async with runtime.unit_of_work() as uow:
        assert await service.execute(uow, request, remotes)
    return await outcome_of(runtime, request)
