"""What the agent does next, decided from the folded conversation alone: pure functions, no I/O.

``decide(state, setup, now)`` says what the conversation needs now: nothing (:class:`Wait`), events that need no
model (:class:`Act`: dispatch approved calls, a limit's handoff), or a model call (:class:`CallModel`).
``after_model(...)`` turns the model's answer into events: the priced ``llm.called``, then the reply, the tool
requests (validated, with approvals) or the handoff — or a limit's handoff when the answer would break one.

The live loop (``service.py``), replays against another model and simulations all run these two functions; only
the model call and the appends around them differ.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import jsonschema

from libs.events import (
    AgentLimitReached,
    AgentReplied,
    AgentTurnStarted,
    EventPayload,
    GuardBlocked,
    HandoffRequested,
    LlmCalled,
    LlmFailed,
    MessageReceived,
    ProcedureApplied,
    ToolApprovalRequested,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    new_id,
)
from libs.pricing import llm_cost
from services.agent.context import build_request
from services.agent.policy import AgentPolicy, LimitHit, Usage, approval_needed
from services.agent.procedures.compiled import Procedure
from services.agent.procedures.guards import check_call, hand_off, matching
from services.agent.providers import HANDOFF_TOOL, ModelRequest, ModelResponse, ToolCall
from services.agent.state import ConversationState, OpenTurn, call_key

POLITE_HANDOFF = (
    "I'm sorry — I couldn't finish this on my own, so I've passed your conversation to a colleague, "
    "who will pick it up from here."
)
UNSURE_SUMMARY = "{tools} may or may not have been carried out (interrupted mid-call); check it, then reply."
STOPPED_SUMMARY = "The agent stopped before finishing; please read the conversation and take over."
KNOWLEDGE_SERVICE = "knowledge"  # its tools read only the release's knowledge scope (the call carries it)

Payloads = tuple[EventPayload, ...]


@dataclass(frozen=True)
class Setup:
    """Everything besides the log that a decision depends on: the tenant's tools and policy, and the model."""

    tools: tuple[ToolSpec, ...]
    policy: AgentPolicy
    provider: str
    model: str
    new_id: Callable[[str], str] = new_id
    procedures: tuple[Procedure, ...] = ()
    release: int | None = None  # the agent release this setup is (None: the tenant's unreleased setup)
    knowledge: tuple[str, ...] | None = None  # the collections its knowledge calls may read (None: all)

    @classmethod
    def of(
        cls,
        tools: list[ToolSpec],
        policy: AgentPolicy,
        provider: str,
        model: str,
        procedures: Sequence[Procedure] = (),
        release: int | None = None,
        knowledge: tuple[str, ...] | None = None,
    ) -> Setup:
        """The tenant's tools plus the built-in handoff tool."""
        return cls(
            (*tools, HANDOFF_TOOL),
            policy,
            provider,
            model,
            procedures=tuple(procedures),
            release=release,
            knowledge=knowledge,
        )

    def tool(self, name: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.name == name), None)

    def applied(self, names: Sequence[str]) -> tuple[Procedure, ...]:
        """The procedures of ``names`` this setup has, in that order."""
        return tuple(p for n in names for p in self.procedures if p.name == n)


@dataclass(frozen=True)
class Wait:
    """Nothing to do until something new is appended (a message, a tool result, a decision, the deadline)."""


@dataclass(frozen=True)
class Act:
    """Append these events; no model call needed."""

    payloads: Payloads


@dataclass(frozen=True)
class CallModel:
    """Append ``opening`` first (it claims a new turn, so that a racing replica does not also call the model), then
    call the model with ``request`` and append what :func:`after_model` makes of its answer."""

    request: ModelRequest
    opening: Payloads = ()


Decision = Wait | Act | CallModel


def decide(state: ConversationState, setup: Setup, now: datetime) -> Decision:
    """The next step of the conversation, or :class:`Wait`."""
    if state.owner != "ai":
        return Wait()
    if state.turn is not None:
        return _continue(state, state.turn, setup, now)
    if state.unanswered_event is None:
        return Wait()
    started = AgentTurnStarted(
        turn_id=setup.new_id("turn"),
        trigger_event_id=state.unanswered_event.id,
        provider=setup.provider,
        model=setup.model,
        release=setup.release,
    )
    applied = _newly_applied(state, started.turn_id, setup)
    new = tuple(p.procedure for p in applied)
    step = _continue(state, OpenTurn(started.turn_id, started.trigger_event_id, now), setup, now, new)
    match step:
        case CallModel(request=request):
            return CallModel(request, opening=(started, *applied))
        case Act(payloads=payloads):
            return Act((started, *applied, *payloads))
        case _:
            return Act((started, *applied))


def _newly_applied(state: ConversationState, turn_id: str, setup: Setup) -> tuple[ProcedureApplied, ...]:
    """Procedures the message that opens this turn brings in (keywords, no model call), not applied before."""
    trigger = state.unanswered_event.payload if state.unanswered_event is not None else None
    if not setup.procedures or not isinstance(trigger, MessageReceived):
        return ()
    return tuple(
        ProcedureApplied(turn_id=turn_id, procedure=m.procedure.name, version=m.procedure.version, terms=m.terms)
        for m in matching(setup.procedures, trigger.text)
        if m.procedure.name not in state.procedures
    )


def _continue(
    state: ConversationState, turn: OpenTurn, setup: Setup, now: datetime, new: tuple[str, ...] = ()
) -> Decision:
    if turn.decided:
        return Act(_dispatch_decided(state, turn, setup))
    limits = setup.policy.limits
    elapsed = (now - turn.started_at).total_seconds()
    if turn.pending:
        # Waiting for tools: only the wall clock can end the turn before they answer.
        hit = limits.check(Usage(turn_seconds=elapsed))
        return Act(_limit(turn, hit, setup)) if hit else Wait()
    if turn.unknown_outcomes:
        # A write may or may not have happened: only a human can look at the provider and say which.
        unsure = ", ".join(sorted(set(turn.unknown_outcomes)))
        return Act(_handoff(turn, setup, f"outcome unknown: {unsure}", UNSURE_SUMMARY.format(tools=unsure)))
    if turn.awaiting_approval:
        return Wait()  # a person decides; waiting for them is not the machine's time
    usage = Usage(
        model_calls_in_turn=turn.model_calls,
        tokens=state.tokens,
        cost_usd=state.cost,
        turn_seconds=elapsed,
        consecutive_tool_failures=state.consecutive_failures,
    )
    hit = limits.check(usage)
    if hit is not None:
        return Act(_limit(turn, hit, setup))
    shown = setup.applied([*state.procedures, *new])
    due = hand_off(shown, state, state.fresh_results(), now)
    if due is not None:
        procedure, condition = due
        summary = f"The procedure {procedure.name!r} says to hand over when {condition.expression.text}."
        return Act(_handoff(turn, setup, f"procedure {procedure.name}: {condition.reason}", summary))
    return CallModel(build_request(state.history, list(setup.tools), setup.policy, shown))


def after_model(
    state: ConversationState, turn: OpenTurn, response: ModelResponse, setup: Setup, latency_ms: float, now: datetime
) -> Payloads:
    """The events a model's answer leads to, starting with the priced record of the call itself."""
    called = llm_called(turn, response, setup, latency_ms, now, state.release)
    if not response.tool_calls:
        reply = AgentReplied(
            turn_id=turn.turn_id,
            message_id=setup.new_id("msg"),
            text=response.text,
            provider=setup.provider,
            model=setup.model,
            citations=tuple(turn.citations.values()),
        )
        return (called, reply)
    asked = [c for c in response.tool_calls if c.name != HANDOFF_TOOL.name]
    hit = setup.policy.limits.check(_tool_usage(state, turn, asked))
    if hit is not None:
        return (called, *_limit(turn, hit, setup))
    out: list[EventPayload] = [called]
    for call in response.tool_calls:
        if call.name == HANDOFF_TOOL.name:
            out.append(_requested_handoff(turn, call))
            break
        out.extend(_tool_request(state, turn, call, setup, now))
    return tuple(out)


def model_failed(turn: OpenTurn, reason: str, setup: Setup) -> Payloads:
    """A model call that failed for good: recorded, then the customer is told and a human takes over."""
    failed = LlmFailed(turn_id=turn.turn_id, provider=setup.provider, model=setup.model, reason=reason[:500])
    return (failed, *_handoff(turn, setup, "the AI model is unavailable"))


def llm_called(
    turn: OpenTurn, response: ModelResponse, setup: Setup, latency_ms: float, now: datetime, release: int | None
) -> LlmCalled:
    cost = llm_cost(
        setup.provider,
        setup.model,
        now.date(),
        input_tokens=response.input_tokens,
        output_tokens=response.output_tokens,
        cache_read_tokens=response.cache_read_tokens,
        cache_write_tokens=response.cache_write_tokens,
    )
    return LlmCalled(
        turn_id=turn.turn_id,
        provider=setup.provider,
        model=setup.model,
        input_tokens=response.input_tokens,
        output_tokens=response.output_tokens,
        cache_read_tokens=response.cache_read_tokens,
        cache_write_tokens=response.cache_write_tokens,
        latency_ms=round(latency_ms, 3),
        cost_usd=cost,
        stop_reason=response.stop_reason,
        release=release,
    )


def _tool_usage(state: ConversationState, turn: OpenTurn, asked: list[ToolCall]) -> Usage:
    """Tool-call counts as they would be if the calls the model asked for went out."""
    keys = Counter(call_key(c.name, c.arguments) for c in asked)
    return Usage(
        tool_calls_in_turn=turn.tool_calls + len(asked),
        tool_calls_in_conversation=state.tool_calls + len(asked),
        identical_in_turn=max((turn.call_counts[k] + n for k, n in keys.items()), default=0),
        identical_in_conversation=max((state.call_counts[k] + n for k, n in keys.items()), default=0),
    )


def _requested_handoff(turn: OpenTurn, call: ToolCall) -> HandoffRequested:
    priority = call.arguments.get("priority", "normal")
    return HandoffRequested(
        turn_id=turn.turn_id,
        reason=str(call.arguments.get("reason", "The agent asked for a human.")),
        summary=str(call.arguments.get("summary", "")),
        priority=priority if priority in ("low", "normal", "high", "urgent") else "normal",
    )


@functools.lru_cache(maxsize=1024)
def _compiled(schema_json: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_json)
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def _problem(call: ToolCall, spec: ToolSpec | None) -> tuple[str, str] | None:
    """Why this call cannot go out as asked (``(kind, message)`` for the model), or None."""
    if call.argument_error is not None:
        return ("invalid_arguments", f"the arguments for {call.name} are not valid JSON: {call.argument_error}")
    if spec is None:
        return ("unknown_tool", f"there is no tool named {call.name!r}")
    try:
        # A compiled validator per distinct schema: building one per call was 6 % of the agent's CPU.
        _compiled(json.dumps(spec.input_schema, sort_keys=True)).validate(call.arguments)
    except jsonschema.ValidationError as exc:
        return ("invalid_arguments", f"invalid arguments for {call.name}: {exc.message}")
    return None


def _tool_request(state: ConversationState, turn: OpenTurn, call: ToolCall, setup: Setup, now: datetime) -> Payloads:
    spec = setup.tool(call.name)
    problem = _problem(call, spec)
    if spec is not None and problem is None:
        blocked = check_call(setup.procedures, call.name, call.arguments, state, now)
        if blocked is not None:
            # The call never leaves the agent: the model gets the reason as the call's result.
            stop = GuardBlocked(
                turn_id=turn.turn_id,
                tool_call_id=call.id,
                tool=call.name,
                arguments=call.arguments,
                procedure=blocked.procedure,
                guard=blocked.guard,
                kind=blocked.kind,
                reason=f"blocked by the procedure {blocked.procedure!r}: {blocked.reason}",
                values=blocked.values,
            )
            return (stop,)
        rule = approval_needed(setup.policy, spec, call.arguments)
        if rule is not None:
            approval = ToolApprovalRequested(
                turn_id=turn.turn_id,
                tool_call_id=call.id,
                tool=call.name,
                service=spec.service,
                arguments=call.arguments,
                rule=rule,
            )
            return (approval,)
    request = _request(state, turn, call, spec, setup)
    if problem is None:
        return (request,)
    # The call never leaves the agent: the model gets the error as the tool's result.
    failed = ToolFailed(
        turn_id=turn.turn_id, tool_call_id=call.id, tool=call.name, kind=problem[0], message=problem[1], latency_ms=0
    )
    return (request, failed)


def _request(
    state: ConversationState, turn: OpenTurn, call: ToolCall, spec: ToolSpec | None, setup: Setup
) -> ToolRequested:
    """The command to the tool's service; a knowledge tool's carries the release's knowledge scope."""
    scoped = spec is not None and spec.service == KNOWLEDGE_SERVICE
    return ToolRequested(
        turn_id=turn.turn_id,
        tool_call_id=call.id,
        idempotency_key=f"{state.tenant_id}:{call.id}",
        tool=call.name,
        service=spec.service if spec else "agent",
        arguments=call.arguments,
        end_user=state.customer_id,
        knowledge_collections=setup.knowledge if scoped else None,
    )


def _dispatch_decided(state: ConversationState, turn: OpenTurn, setup: Setup) -> Payloads:
    """Approved calls go to their service; denied ones return to the model as a failed call."""
    out: list[EventPayload] = []
    for call_id, decision in turn.decided.items():
        asked = state.asked(call_id)
        if decision.approved:
            out.append(_request(state, turn, asked, setup.tool(asked.name), setup))
            continue
        reason = f"a person declined this action{': ' + decision.note if decision.note else ''}"
        out.append(
            ToolFailed(
                turn_id=turn.turn_id, tool_call_id=call_id, tool=asked.name, kind="denied", message=reason, latency_ms=0
            )
        )
    return tuple(out)


def _limit(turn: OpenTurn, hit: LimitHit, setup: Setup) -> Payloads:
    reached = AgentLimitReached(turn_id=turn.turn_id, limit=hit.limit, observed=hit.observed, threshold=hit.threshold)
    return (reached, *_handoff(turn, setup, f"limit: {hit.limit}"))


def _handoff(turn: OpenTurn, setup: Setup, reason: str, summary: str = STOPPED_SUMMARY) -> Payloads:
    """A polite reply, then the handoff: the customer is never left with a silent stop."""
    reply = AgentReplied(
        turn_id=turn.turn_id,
        message_id=setup.new_id("msg"),
        text=POLITE_HANDOFF,
        provider=setup.provider,
        model=setup.model,
    )
    return (reply, HandoffRequested(turn_id=turn.turn_id, reason=reason, summary=summary, priority="high"))
