"""Executing the tool requests routed to one service: claimed once, run, timed, answered.

``tool.requested`` is a command: its subject ends with the service that must execute it, so each executing service
(integrations, knowledge) has one durable consumer that sees only its own requests. What every executor does
around a tool is here, once: in one unit of work it claims the call (a redelivered request finds its claim and does
nothing), runs the service's handler, and emits ``tool.completed`` or ``tool.failed`` through the outbox with the
time the handler took. The service plugs in only how to claim and how to run; what its claim read on the way (in
the claim's own statement) is handed to its run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from opentelemetry import trace

from libs.events import Actor, Envelope, RecordedEvent, ToolCompleted, ToolFailed, ToolRequested
from libs.events.subjects import any_command
from libs.platform import metrics
from libs.platform.consumers import Subscription
from libs.platform.outbox import UnitOfWork
from libs.platform.telemetry import as_json, capture_content

tracer = trace.get_tracer("deskpilot.tools")

UnitsOfWork = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


class ToolFailure(Exception):
    """A tool call that ended in a failure the model should hear about; ``kind`` is one of ``tool.failed``'s."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ToolAnswer:
    """What a handler made of a call: its result (``failure`` None) or the failure, and whether it was a dry run."""

    result: dict[str, Any] = field(default_factory=dict)
    failure: ToolFailure | None = None
    dry_run: bool = False


Claimed = TypeVar("Claimed")
"""What a service's claim read on its way (integrations: the tenant's connection, in the claim's statement)."""
Claim = Callable[[UnitOfWork, Envelope, ToolRequested], Awaitable[Claimed | None]]
"""Record that this call is being executed, in the unit of work; None if it already was (a redelivery)."""
Run = Callable[[UnitOfWork, Envelope, ToolRequested, Claimed], Awaitable[ToolAnswer]]
"""Execute the call, given what its claim returned; return its answer, or raise :class:`ToolFailure`."""


class ToolExecutor(Generic[Claimed]):
    """The tool requests of one service: see the module docstring."""

    def __init__(self, service: str, claim: Claim[Claimed], run: Run[Claimed]) -> None:
        self.service = service
        self._claim = claim
        self._run = run
        self._actor = Actor(kind="system", id=service)

    def subscription(self, units_of_work: UnitsOfWork, max_workers: int) -> Subscription:
        """The service's one consumer of the requests routed to it, each executed in its own unit of work."""

        async def handle(recorded: RecordedEvent) -> None:
            async with units_of_work() as uow:
                await self.execute(uow, recorded)

        return Subscription(
            "tool-requests",
            any_command("tool.requested", self.service),
            handle,
            max_workers=max_workers,
            does=f"execute each tool request routed to {self.service} once: claim, run, emit the outcome",
        )

    async def execute(self, uow: UnitOfWork, recorded: RecordedEvent) -> bool:
        """Execute one request once, in ``uow``; False for a redelivery of one already claimed (or a request that
        is not this service's, which routing never delivers)."""
        event, request = recorded.event, recorded.event.payload
        assert isinstance(request, ToolRequested)
        assert event.conversation_id is not None
        if request.service != self.service or (claimed := await self._claim(uow, event, request)) is None:
            return False
        started = time.perf_counter()
        with tracer.start_as_current_span(f"execute_tool {request.tool}", kind=trace.SpanKind.INTERNAL) as span:
            try:
                answer = await self._run(uow, event, request, claimed)
            except ToolFailure as failure:
                answer = ToolAnswer(failure=failure)
            if span.is_recording():
                _describe(span, request, answer)
        seconds = time.perf_counter() - started
        latency_ms = round(seconds * 1000, 3)
        outcome = "completed" if answer.failure is None else answer.failure.kind
        metrics.TOOL_CALLS.labels(self.service, request.tool, outcome).inc()
        metrics.TOOL_DURATION.labels(self.service, request.tool).observe(seconds)
        ids = {"turn_id": request.turn_id, "tool_call_id": request.tool_call_id, "tool": request.tool}
        payload: ToolCompleted | ToolFailed
        if answer.failure is None:
            payload = ToolCompleted(**ids, result=answer.result, latency_ms=latency_ms, dry_run=answer.dry_run)
        else:
            kind = cast(Any, answer.failure.kind)  # one of ToolFailed's kinds; validated by the model
            payload = ToolFailed(**ids, kind=kind, message=answer.failure.message, latency_ms=latency_ms)
        uow.emit(
            Envelope.new(
                payload,
                tenant_id=event.tenant_id,
                conversation_id=event.conversation_id,
                actor=self._actor,
                caused_by=event,
            )
        )
        return True


def _describe(span: trace.Span, request: ToolRequested, answer: ToolAnswer) -> None:
    """The OpenTelemetry GenAI attributes of an ``execute_tool`` span; arguments and result only when content
    capture is on."""
    span.set_attribute("gen_ai.operation.name", "execute_tool")
    span.set_attribute("gen_ai.tool.name", request.tool)
    span.set_attribute("gen_ai.tool.call.id", request.tool_call_id)
    span.set_attribute("gen_ai.tool.type", "function")
    if answer.dry_run:
        span.set_attribute("deskpilot.tool.dry_run", True)
    if answer.failure is not None:
        span.set_attribute("error.type", answer.failure.kind)
        span.set_status(trace.StatusCode.ERROR, answer.failure.message)
    if capture_content():
        span.set_attribute("gen_ai.tool.call.arguments", as_json(request.arguments))
        if answer.failure is None:
            span.set_attribute("gen_ai.tool.call.result", as_json(answer.result))
