"""The agent's tool-use loop, decided from the conversation's event log.

The agent keeps no conversation state of its own: it folds the log into a :class:`ConversationState`, decides the
next step, calls the model, and appends the resulting events with the version it read as the expected version.
If anything relevant was appended meanwhile (a new message, a tool result) the append fails and the agent decides
again from the new state; so two replicas never both answer one message, and a crash mid-turn is resumed by the
next delivery of the triggering event.

Limits and approval rules are checked here, in code, before and after every model call (``policy.py``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

import jsonschema
from opentelemetry import trace

from libs.events import (
    Actor,
    AgentLimitReached,
    AgentReplied,
    AgentTurnStarted,
    Citation,
    ConversationHandedBack,
    ConversationResolved,
    ConversationStarted,
    Envelope,
    EventLog,
    EventPayload,
    HandoffRequested,
    HumanReplied,
    LlmCalled,
    LlmFailed,
    MessageReceived,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    VersionConflict,
    new_id,
)
from libs.events.catalog.agent import LimitName
from libs.events.streaming import ReplyDelta
from libs.pricing import llm_cost
from services.agent.context import build_request
from services.agent.policy import AgentPolicy, approval_needed
from services.agent.providers import (
    HANDOFF_TOOL,
    ChatModel,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextDelta,
    ToolCall,
    stream_reply,
)

log = logging.getLogger("deskpilot.agent")
tracer = trace.get_tracer("deskpilot.agent")

AI = Actor(kind="ai", id="deskpilot-agent")
DeltaSink = Callable[[ReplyDelta], Awaitable[None]]


class TurnClock(Protocol):
    """Where the agent records the wall-clock deadline of turns that wait for tools (see turn_watch.py)."""

    async def opened(self, tenant_id: str, conversation_id: str, turn_id: str, seconds: float) -> None: ...

    async def closed(self, tenant_id: str, conversation_id: str) -> None: ...


POLITE_HANDOFF = (
    "I'm sorry — I couldn't finish this on my own, so I've passed your conversation to a colleague, "
    "who will pick it up from here."
)
# Events that change what the agent should do next; anything else appended meanwhile does not void a decision.
RELEVANT = {
    "message.received",
    "tool.completed",
    "tool.failed",
    "handoff.requested",
    "agent.replied",
    "agent.turn_started",
    "tool.requested",
    "conversation.resolved",
    "tool.approval_requested",
    "tool.approval_decided",
}


def call_key(tool: str, arguments: dict[str, object]) -> str:
    return f"{tool}:{json.dumps(arguments, sort_keys=True, default=str)}"


@dataclass
class OpenTurn:
    turn_id: str
    trigger_event_id: str
    started_at: datetime
    model_calls: int = 0
    tool_calls: int = 0
    pending: set[str] = field(default_factory=set)
    citations: dict[str, Citation] = field(default_factory=dict)
    awaiting_approval: dict[str, ToolApprovalRequested] = field(default_factory=dict)
    decided: dict[str, ToolApprovalDecided] = field(default_factory=dict)
    unknown_outcomes: list[str] = field(default_factory=list)  # tools that may or may not have acted


@dataclass
class ConversationState:
    tenant_id: str
    conversation_id: str
    version: int = 0
    history: list[ModelMessage] = field(default_factory=list)
    turn: OpenTurn | None = None
    owner: str = "ai"
    unanswered_event: Envelope | None = None
    last_event: Envelope | None = None
    tool_calls: int = 0
    tokens: int = 0
    cost: Decimal = Decimal(0)
    consecutive_failures: int = 0
    customer_id: str | None = None
    call_counts: Counter[str] = field(default_factory=Counter)
    call_ids: set[str] = field(default_factory=set)  # tool calls already in ``history``


def _assistant_call(state: ConversationState, call: ToolCall) -> None:
    """Add a tool call to the assistant message that asked for it (once, even if logged twice)."""
    if call.id in state.call_ids:
        return
    state.call_ids.add(call.id)
    last = state.history[-1] if state.history else None
    if last is None or last.role != "assistant" or last.text:
        last = ModelMessage(role="assistant")
        state.history.append(last)
    last.tool_calls.append(call)


def fold(tenant_id: str, conversation_id: str, events: Sequence[RecordedEvent]) -> ConversationState:  # noqa: PLR0912, PLR0915
    """The agent's view of a conversation, from its log alone."""
    state = ConversationState(tenant_id, conversation_id)
    for recorded in events:
        state.version = recorded.position
        state.last_event = recorded.event
        event, payload, turn = recorded.event, recorded.event.payload, state.turn
        match payload:
            case ConversationStarted(customer_id=customer_id):
                state.customer_id = customer_id
            case MessageReceived(text=text):
                state.history.append(ModelMessage(role="user", text=text))
                if turn is None and state.unanswered_event is None:
                    state.unanswered_event = event
            case AgentTurnStarted(turn_id=turn_id, trigger_event_id=trigger):
                state.turn = OpenTurn(turn_id, trigger, event.occurred_at)
                state.unanswered_event = None
            case LlmCalled():
                state.tokens += payload.input_tokens + payload.output_tokens
                state.cost += payload.cost_usd
                if turn is not None and not payload.discarded:
                    turn.model_calls += 1
            case ToolApprovalRequested(tool_call_id=call_id):
                _assistant_call(state, ToolCall(call_id, payload.tool, payload.arguments))
                if turn is not None:
                    turn.awaiting_approval[call_id] = payload
            case ToolApprovalDecided(tool_call_id=call_id) if turn is not None:
                if turn.awaiting_approval.pop(call_id, None) is not None:
                    turn.decided[call_id] = payload
            case ToolRequested(tool_call_id=call_id, tool=tool, arguments=arguments):
                _assistant_call(state, ToolCall(call_id, tool, arguments))
                state.tool_calls += 1
                state.call_counts[call_key(tool, arguments)] += 1
                if turn is not None:
                    turn.tool_calls += 1
                    turn.pending.add(call_id)
                    turn.decided.pop(call_id, None)
            case ToolCompleted(tool_call_id=call_id, tool=tool, result=result):
                state.history.append(ModelMessage(role="tool", tool_call_id=call_id, tool_name=tool, result=result))
                state.consecutive_failures = 0
                if turn is not None:
                    turn.pending.discard(call_id)
                    for source in _citations(result):
                        turn.citations.setdefault(source.article_id, source)
            case ToolFailed(tool_call_id=call_id, tool=tool, message=message):
                state.history.append(
                    ModelMessage(role="tool", tool_call_id=call_id, tool_name=tool, text=message, is_error=True)
                )
                state.consecutive_failures += 1
                if turn is not None:
                    turn.pending.discard(call_id)
                    turn.decided.pop(call_id, None)
                    if payload.kind == "outcome_unknown":
                        turn.unknown_outcomes.append(tool)
            case AgentReplied(text=text):
                state.history.append(ModelMessage(role="assistant", text=text))
                state.turn = None
            case HandoffRequested():
                state.owner = "human"
                state.turn = None
                state.unanswered_event = None
            case HumanReplied(agent_name=name, text=text):
                # The human's words are part of the support side of the conversation the model will continue.
                state.history.append(ModelMessage(role="assistant", text=f"[{name}, a human colleague]: {text}"))
            case ConversationResolved() | ConversationHandedBack():
                # Resolved, or handed back by a human: the customer's next message is the AI's to answer.
                state.owner = "ai"
                state.turn = None
                state.unanswered_event = None
            case _:
                pass
    return state


@functools.lru_cache(maxsize=1024)
def _compiled(schema_json: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_json)
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def _validator(schema: dict[str, object]) -> jsonschema.protocols.Validator:
    """A compiled validator per distinct schema: building one (and checking the schema) per call was 6 % of CPU."""
    return _compiled(json.dumps(schema, sort_keys=True))


def _citations(result: dict[str, object]) -> list[Citation]:
    """Sources a tool result offers (knowledge tools put them under ``citations``); malformed ones are skipped."""
    found = result.get("citations")
    out: list[Citation] = []
    for item in found if isinstance(found, list) else []:
        try:
            out.append(Citation.model_validate(item))
        except ValueError:
            continue
    return out


def needs_action(state: ConversationState, overdue: bool = False) -> bool:
    """Whether the agent must act now. ``overdue``: a sweep found the turn past its wall-clock deadline, so a turn
    still waiting for a tool must be ended (waiting for a human's approval is not the machine's time)."""
    if state.owner != "ai":
        return False
    if state.turn is not None:
        if state.turn.decided or not (state.turn.pending or state.turn.awaiting_approval):
            return True
        return overdue and bool(state.turn.pending)
    return state.unanswered_event is not None


class Agent:
    """Advances conversations: one decision at a time, appended with optimistic concurrency."""

    def __init__(
        self,
        event_log: EventLog,
        model: ChatModel,
        cached_conversations: int = 10_000,
        deltas: DeltaSink | None = None,
        watch: TurnClock | None = None,
        watch_grace: float = 2.0,
    ) -> None:
        self._log = event_log
        self._model = model
        self._deltas = deltas
        self._watch = watch
        self._watch_grace = watch_grace
        self._waiting: dict[tuple[str, str], str] = {}  # turns waiting for tools, as this process last saw them
        self._watched: dict[tuple[str, str], str] = {}  # ... of which a deadline row was written
        self._background: set[asyncio.Task[None]] = set()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._users: dict[tuple[str, str], int] = {}
        # The log of recently advanced conversations: the log is append-only, so a cached prefix stays true and
        # only what came after it needs reading.
        self._seen: OrderedDict[tuple[str, str], list[RecordedEvent]] = OrderedDict()
        self._cached_conversations = cached_conversations

    @property
    def model(self) -> ChatModel:
        return self._model

    async def advance(
        self,
        tenant_id: str,
        conversation_id: str,
        tools: list[ToolSpec],
        policy: AgentPolicy | None = None,
        *,
        overdue: bool = False,
    ) -> int:
        """Take every step the conversation needs now; returns how many decisions were appended."""
        policy = policy or AgentPolicy()
        key = (tenant_id, conversation_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        steps = 0
        try:
            async with lock:
                while True:
                    state = fold(tenant_id, conversation_id, await self._events(key))
                    if not needs_action(state, overdue):
                        await self._tell_watch(state, policy)
                        return steps
                    with tracer.start_as_current_span("invoke_agent", kind=trace.SpanKind.INTERNAL) as span:
                        span.set_attribute("gen_ai.operation.name", "invoke_agent")
                        span.set_attribute("deskpilot.tenant_id", tenant_id)
                        span.set_attribute("deskpilot.conversation_id", conversation_id)
                        events = await self._decide(state, [*tools, HANDOFF_TOOL], policy)
                    if not events:
                        return steps
                    if await self._append(state, events):
                        steps += 1
        finally:
            # Drop the lock of a conversation nobody is advancing, so the map does not grow forever.
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def is_waiting(self, tenant_id: str, conversation_id: str) -> bool:
        """Whether this process last saw the conversation's turn waiting for a tool."""
        return (tenant_id, conversation_id) in self._waiting

    async def _tell_watch(self, state: ConversationState, policy: AgentPolicy) -> None:
        """Keep the wall-clock record in step with the log: a turn in progress has a deadline, others none."""
        if self._watch is None:
            return
        key = (state.tenant_id, state.conversation_id)
        if state.turn is not None and state.turn.pending:
            if key not in self._waiting:
                # Most tools answer within milliseconds: only a turn still waiting after a short grace period gets a
                # durable deadline, so the hot path costs no database write. (A crash inside the grace period
                # leaves no row; the next event of the conversation still wakes the agent.)
                self._waiting[key] = state.turn.turn_id
                remaining = policy.limits.turn_seconds - (datetime.now(UTC) - state.turn.started_at).total_seconds()
                asyncio.get_running_loop().call_later(
                    self._watch_grace, self._record_if_still_waiting, key, state.turn.turn_id, max(0.0, remaining)
                )
        else:
            self._waiting.pop(key, None)
            if key in self._watched or (state.turn is None and state.owner != "ai"):
                # A row another replica opened and nobody here knows of is closed by the sweep that finds it.
                self._watched.pop(key, None)
                await self._watch.closed(*key)

    def _record_if_still_waiting(self, key: tuple[str, str], turn_id: str, seconds: float) -> None:
        if self._watch is None or self._waiting.get(key) != turn_id:
            return
        self._watched[key] = turn_id
        task = asyncio.create_task(self._watch.opened(*key, turn_id, max(0.0, seconds - self._watch_grace)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _events(self, key: tuple[str, str]) -> list[RecordedEvent]:
        known = self._seen.pop(key, [])
        newer = await self._log.read(*key, from_version=known[-1].position if known else 0)
        events = known + newer
        self._seen[key] = events
        while len(self._seen) > self._cached_conversations:
            self._seen.popitem(last=False)
        return events

    def _remember(self, key: tuple[str, str], appended: list[RecordedEvent]) -> None:
        known = self._seen.get(key)
        # Only extend a cache that ends exactly where our append started; otherwise the next read fills the gap.
        if known is not None and appended and (not known or known[-1].position < appended[0].position):
            known.extend(appended)

    async def _append(self, state: ConversationState, events: list[Envelope]) -> bool:
        expected = state.version
        key = (state.tenant_id, state.conversation_id)
        while True:
            try:
                positions = await self._log.append(
                    state.tenant_id, state.conversation_id, events, expected_version=expected
                )
                if expected == state.version:
                    self._remember(key, [RecordedEvent(p, e) for p, e in zip(positions, events, strict=True)])
                return True
            except VersionConflict:
                newer = await self._log.read(state.tenant_id, state.conversation_id, from_version=expected)
                if any(r.event.type in RELEVANT for r in newer):
                    log.info("conversation %s moved on; deciding again", state.conversation_id)
                    # The decision is void, but its model call happened and was paid for: keep the record.
                    paid = [
                        e.model_copy(update={"payload": e.payload.model_copy(update={"discarded": True})})
                        for e in events
                        if isinstance(e.payload, LlmCalled)
                    ]
                    if paid:
                        await self._log.append(state.tenant_id, state.conversation_id, paid, expected_version=None)
                    return False
                expected = newer[-1].position if newer else expected

    # -- decisions -------------------------------------------------------------------------------------------

    async def _decide(  # noqa: PLR0912 - one place that reads as the turn's decision table
        self, state: ConversationState, tools: list[ToolSpec], policy: AgentPolicy
    ) -> list[Envelope]:
        out: list[Envelope] = []
        trigger = state.unanswered_event
        if state.turn is None:
            assert trigger is not None
            turn = OpenTurn(new_id("turn"), trigger.id, datetime.now(UTC))
            out.append(
                self._event(
                    state,
                    AgentTurnStarted(
                        turn_id=turn.turn_id,
                        trigger_event_id=trigger.id,
                        provider=self._model.provider,
                        model=self._model.model,
                    ),
                    trigger,
                )
            )
        else:
            turn = state.turn
        cause = trigger or state.last_event
        by_name = {t.name: t for t in tools}

        if turn.decided:
            return out + self._dispatch_decided(state, turn, by_name, cause)
        if turn.unknown_outcomes and not turn.pending:
            # A write may or may not have happened: only a human can look at the provider and say which.
            unsure = ", ".join(sorted(set(turn.unknown_outcomes)))
            summary = f"{unsure} may or may not have been carried out (interrupted mid-call); check it, then reply."
            return out + self._handoff(state, turn, f"outcome unknown: {unsure}", cause, summary)

        limits = policy.limits
        elapsed = (datetime.now(UTC) - turn.started_at).total_seconds()
        for name, observed, threshold, hit in (
            (
                "model_calls_per_turn",
                turn.model_calls,
                limits.model_calls_per_turn,
                turn.model_calls >= limits.model_calls_per_turn,
            ),
            (
                "tokens_per_conversation",
                state.tokens,
                limits.tokens_per_conversation,
                state.tokens >= limits.tokens_per_conversation,
            ),
            (
                "cost_per_conversation",
                state.cost,
                limits.cost_per_conversation_usd,
                state.cost >= limits.cost_per_conversation_usd,
            ),
            ("turn_seconds", round(elapsed, 1), limits.turn_seconds, elapsed >= limits.turn_seconds),
            (
                "consecutive_tool_failures",
                state.consecutive_failures,
                limits.consecutive_tool_failures,
                state.consecutive_failures >= limits.consecutive_tool_failures,
            ),
        ):
            if hit:
                return out + self._limit(state, turn, name, observed, threshold, cause)  # type: ignore[arg-type]

        if turn.pending:  # swept as overdue under an older deadline: the tools still have time
            return out
        request = build_request(state.history, tools, policy)
        started = time.perf_counter()
        with tracer.start_as_current_span(f"chat {self._model.model}", kind=trace.SpanKind.CLIENT) as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute("gen_ai.provider.name", self._model.provider)
            span.set_attribute("gen_ai.request.model", self._model.model)
            try:
                response = await self._call_model(state, turn, request)
            except Exception as exc:
                log.exception("conversation %s: model call failed for good", state.conversation_id)
                span.set_status(trace.StatusCode.ERROR, str(exc))
                failed = LlmFailed(
                    turn_id=turn.turn_id,
                    provider=self._model.provider,
                    model=self._model.model,
                    reason=f"{type(exc).__name__}: {exc}"[:500],
                )
                return [
                    *out,
                    self._event(state, failed, cause),
                    *self._handoff(state, turn, "the AI model is unavailable", cause),
                ]
            span.set_attribute("gen_ai.usage.input_tokens", response.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", response.output_tokens)
            span.set_attribute("gen_ai.response.finish_reasons", [response.stop_reason])
        out.append(self._event(state, self._llm_called(turn, response, (time.perf_counter() - started) * 1000), cause))

        if not response.tool_calls:
            out.append(
                self._event(
                    state,
                    AgentReplied(
                        turn_id=turn.turn_id,
                        message_id=new_id("msg"),
                        text=response.text,
                        provider=self._model.provider,
                        model=self._model.model,
                        citations=tuple(turn.citations.values()),
                    ),
                    cause,
                )
            )
            return out
        asked = [c for c in response.tool_calls if c.name != HANDOFF_TOOL.name]
        for name, observed, threshold in (
            ("tool_calls_per_turn", turn.tool_calls + len(asked), limits.tool_calls_per_turn),
            ("tool_calls_per_conversation", state.tool_calls + len(asked), limits.tool_calls_per_conversation),
        ):
            if observed > threshold:
                return out + self._limit(state, turn, name, observed, threshold, cause)  # type: ignore[arg-type]
        for call in asked:
            repeats = state.call_counts[call_key(call.name, call.arguments)] + 1
            if repeats > limits.identical_tool_calls:
                return out + self._limit(
                    state, turn, "identical_tool_calls", repeats, limits.identical_tool_calls, cause
                )
        for call in response.tool_calls:
            if call.name == HANDOFF_TOOL.name:
                priority = call.arguments.get("priority", "normal")
                out.append(
                    self._event(
                        state,
                        HandoffRequested(
                            turn_id=turn.turn_id,
                            reason=str(call.arguments.get("reason", "The agent asked for a human.")),
                            summary=str(call.arguments.get("summary", "")),
                            priority=priority if priority in ("low", "normal", "high", "urgent") else "normal",
                        ),
                        cause,
                    )
                )
                return out
            out.extend(self._tool_request(state, turn, call, by_name.get(call.name), policy, cause))
        return out

    async def _call_model(self, state: ConversationState, turn: OpenTurn, request: ModelRequest) -> ModelResponse:
        """One model call; its text streams to ``deltas`` as it is written, then the complete response returns."""
        seq, final = 0, None
        async for item in stream_reply(self._model, request):
            if isinstance(item, TextDelta):
                if self._deltas is not None and item.text:
                    await self._deltas(
                        ReplyDelta(
                            tenant_id=state.tenant_id,
                            conversation_id=state.conversation_id,
                            turn_id=turn.turn_id,
                            seq=seq,
                            text=item.text,
                        )
                    )
                    seq += 1
            else:
                final = item
        if self._deltas is not None and seq:
            await self._deltas(
                ReplyDelta(
                    tenant_id=state.tenant_id,
                    conversation_id=state.conversation_id,
                    turn_id=turn.turn_id,
                    seq=seq,
                    text="",
                    final=True,
                )
            )
        if final is None:
            raise RuntimeError(f"{self._model.provider} ended its stream without a response")
        return final

    def _tool_request(
        self,
        state: ConversationState,
        turn: OpenTurn,
        call: ToolCall,
        spec: ToolSpec | None,
        policy: AgentPolicy,
        cause: Envelope | None,
    ) -> list[Envelope]:
        problem: tuple[str, str] | None = None
        if call.argument_error is not None:
            problem = ("invalid_arguments", f"the arguments for {call.name} are not valid JSON: {call.argument_error}")
        elif spec is None:
            problem = ("unknown_tool", f"there is no tool named {call.name!r}")
        else:
            try:
                _validator(spec.input_schema).validate(call.arguments)
            except jsonschema.ValidationError as exc:
                problem = ("invalid_arguments", f"invalid arguments for {call.name}: {exc.message}")
        if spec is not None and problem is None:
            rule = approval_needed(policy, spec, call.arguments)
            if rule is not None:
                return [
                    self._event(
                        state,
                        ToolApprovalRequested(
                            turn_id=turn.turn_id,
                            tool_call_id=call.id,
                            tool=call.name,
                            service=spec.service,
                            arguments=call.arguments,
                            rule=rule,
                        ),
                        cause,
                    )
                ]
        request = self._request_event(state, turn, call, spec, cause)
        if problem is None:
            return [request]
        # The call never leaves the agent: the model gets the error as the tool's result.
        return [
            request,
            self._event(
                state,
                ToolFailed(
                    turn_id=turn.turn_id,
                    tool_call_id=call.id,
                    tool=call.name,
                    kind=problem[0],
                    message=problem[1],
                    latency_ms=0,
                ),
                cause,
            ),
        ]

    def _request_event(
        self, state: ConversationState, turn: OpenTurn, call: ToolCall, spec: ToolSpec | None, cause: Envelope | None
    ) -> Envelope:
        return self._event(
            state,
            ToolRequested(
                turn_id=turn.turn_id,
                tool_call_id=call.id,
                idempotency_key=f"{state.tenant_id}:{call.id}",
                tool=call.name,
                service=spec.service if spec else "agent",
                arguments=call.arguments,
                end_user=state.customer_id,
            ),
            cause,
        )

    def _dispatch_decided(
        self, state: ConversationState, turn: OpenTurn, by_name: dict[str, ToolSpec], cause: Envelope | None
    ) -> list[Envelope]:
        """Approved calls go to their service; denied ones return to the model as a failed call."""
        out: list[Envelope] = []
        for call_id, decision in turn.decided.items():
            asked = next(c for m in state.history for c in m.tool_calls if c.id == call_id)
            if decision.approved:
                out.append(self._request_event(state, turn, asked, by_name.get(asked.name), cause))
            else:
                reason = f"a person declined this action{': ' + decision.note if decision.note else ''}"
                out.append(
                    self._event(
                        state,
                        ToolFailed(
                            turn_id=turn.turn_id,
                            tool_call_id=call_id,
                            tool=asked.name,
                            kind="denied",
                            message=reason,
                            latency_ms=0,
                        ),
                        cause,
                    )
                )
        return out

    def _limit(
        self,
        state: ConversationState,
        turn: OpenTurn,
        limit: LimitName,
        observed: object,
        threshold: object,
        cause: Envelope | None,
    ) -> list[Envelope]:
        log.warning(
            "conversation %s: limit %s reached (%s ≥ %s); handing over",
            state.conversation_id,
            limit,
            observed,
            threshold,
        )
        reached = AgentLimitReached(turn_id=turn.turn_id, limit=limit, observed=str(observed), threshold=str(threshold))
        return [self._event(state, reached, cause), *self._handoff(state, turn, f"limit: {limit}", cause)]

    def _handoff(
        self,
        state: ConversationState,
        turn: OpenTurn,
        reason: str,
        cause: Envelope | None,
        summary: str = "The agent stopped before finishing; please read the conversation and take over.",
    ) -> list[Envelope]:
        """A polite reply, then the handoff: the customer is never left with a silent stop."""
        return [
            self._event(
                state,
                AgentReplied(
                    turn_id=turn.turn_id,
                    message_id=new_id("msg"),
                    text=POLITE_HANDOFF,
                    provider=self._model.provider,
                    model=self._model.model,
                ),
                cause,
            ),
            self._event(
                state,
                HandoffRequested(
                    turn_id=turn.turn_id,
                    reason=reason,
                    summary=summary,
                    priority="high",
                ),
                cause,
            ),
        ]

    def _llm_called(self, turn: OpenTurn, response: ModelResponse, latency_ms: float) -> LlmCalled:
        cost = llm_cost(
            self._model.provider,
            self._model.model,
            datetime.now(UTC).date(),
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cache_read_tokens=response.cache_read_tokens,
            cache_write_tokens=response.cache_write_tokens,
        )
        return LlmCalled(
            turn_id=turn.turn_id,
            provider=self._model.provider,
            model=self._model.model,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cache_read_tokens=response.cache_read_tokens,
            cache_write_tokens=response.cache_write_tokens,
            latency_ms=round(latency_ms, 3),
            cost_usd=cost,
            stop_reason=response.stop_reason,
        )

    def _event(self, state: ConversationState, payload: EventPayload, cause: Envelope | None) -> Envelope:
        return Envelope.new(
            payload, tenant_id=state.tenant_id, conversation_id=state.conversation_id, actor=AI, caused_by=cause
        )
