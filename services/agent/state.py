"""The agent's view of a conversation, folded from its event log: one ``apply`` per event, no I/O.

The same fold serves the live loop, replays against another model and simulations: whatever the agent knows about a
conversation, it knows from the log alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.events import (
    AgentReplied,
    AgentTurnStarted,
    Citation,
    ConversationHandedBack,
    ConversationResolved,
    ConversationStarted,
    Envelope,
    EventPayload,
    GuardBlocked,
    HandoffRequested,
    HumanReplied,
    LlmCalled,
    MessageReceived,
    ProcedureApplied,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from services.agent.procedures.guards import affirmative
from services.agent.providers import ModelMessage, ToolCall


def call_key(tool: str, arguments: dict[str, object]) -> str:
    """What makes two tool calls identical: the tool and its arguments."""
    return f"{tool}:{json.dumps(arguments, sort_keys=True, default=str)}"


@dataclass
class OpenTurn:
    """The turn in progress: started by one customer message, ended by a reply or a handoff."""

    turn_id: str
    trigger_event_id: str
    started_at: datetime
    model_calls: int = 0
    tool_calls: int = 0
    call_counts: Counter[str] = field(default_factory=Counter)  # identical calls within this turn
    pending: set[str] = field(default_factory=set)  # tool calls sent and not yet answered
    citations: dict[str, Citation] = field(default_factory=dict)
    awaiting_approval: dict[str, ToolApprovalRequested] = field(default_factory=dict)
    decided: dict[str, ToolApprovalDecided] = field(default_factory=dict)  # approvals decided, not yet dispatched
    unknown_outcomes: list[str] = field(default_factory=list)  # tools that may or may not have acted


@dataclass
class Proposal:
    """A call a guard held for the customer's confirmation (ask-then-act), and what the customer wrote since."""

    key: str
    answers: list[str] = field(default_factory=list)


@dataclass
class ConversationState:
    tenant_id: str
    conversation_id: str
    version: int = 0
    history: list[ModelMessage] = field(default_factory=list)
    turn: OpenTurn | None = None
    owner: str = "ai"
    unanswered_event: Envelope | None = None  # the customer message that opens the next turn
    last_event: Envelope | None = None
    tool_calls: int = 0
    tokens: int = 0
    cost: Decimal = Decimal(0)
    consecutive_failures: int = 0
    customer_id: str | None = None
    call_counts: Counter[str] = field(default_factory=Counter)  # identical calls over the whole conversation
    call_ids: set[str] = field(default_factory=set)  # tool calls already in ``history``
    # What procedures' guards read: each tool's latest result (and the turn it came in), calls held for the
    # customer's yes, and the procedures applied so far (shown to the model for the rest of the conversation).
    results: dict[str, tuple[str | None, dict[str, Any]]] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    procedures: list[str] = field(default_factory=list)
    release: int | None = None  # the agent release of the conversation's first turn under one: kept to the end
    last_trigger: int = 0  # position of the newest event that wakes the agent (``TRIGGERS``)

    def result_of(self, tool: str) -> dict[str, Any] | None:
        """The latest successful result of ``tool`` in this conversation."""
        found = self.results.get(tool)
        return found[1] if found is not None else None

    def confirmed(self, tool: str, arguments: Mapping[str, Any]) -> bool:
        """The customer said yes, in a message after the agent was held to ask, to exactly this call."""
        held = self.proposals.get(tool)
        return (
            held is not None
            and held.key == call_key(tool, dict(arguments))
            and bool(held.answers)
            and affirmative(held.answers[-1])
        )

    def fresh_results(self) -> frozenset[str]:
        """Tools that answered during the open turn."""
        turn = self.turn.turn_id if self.turn is not None else None
        return frozenset(t for t, (at, _) in self.results.items() if turn is not None and at == turn)

    def asked(self, call_id: str) -> ToolCall:
        """The tool call the model made with this id."""
        return next(c for m in self.history for c in m.tool_calls if c.id == call_id)


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


def citations_of(result: dict[str, Any]) -> list[Citation]:
    """Sources a tool result offers (knowledge tools put them under ``citations``); malformed ones are skipped."""
    found = result.get("citations")
    out: list[Citation] = []
    for item in found if isinstance(found, list) else []:
        try:
            out.append(Citation.model_validate(item))
        except ValueError:
            continue
    return out


# -- one function per event type ------------------------------------------------------------------------------


def _started(state: ConversationState, _event: Envelope, payload: ConversationStarted) -> None:
    state.customer_id = payload.customer_id


def _message(state: ConversationState, event: Envelope, payload: MessageReceived) -> None:
    state.history.append(ModelMessage(role="user", text=payload.text))
    for held in state.proposals.values():
        held.answers.append(payload.text)
    if state.turn is None and state.unanswered_event is None:
        state.unanswered_event = event


def _turn_started(state: ConversationState, event: Envelope, payload: AgentTurnStarted) -> None:
    state.turn = OpenTurn(payload.turn_id, payload.trigger_event_id, event.occurred_at)
    state.unanswered_event = None
    if state.release is None:
        state.release = payload.release


def _llm_called(state: ConversationState, _event: Envelope, payload: LlmCalled) -> None:
    state.tokens += payload.input_tokens + payload.output_tokens
    state.cost += payload.cost_usd
    if state.turn is not None and not payload.discarded:
        state.turn.model_calls += 1


def _approval_requested(state: ConversationState, _event: Envelope, payload: ToolApprovalRequested) -> None:
    _assistant_call(state, ToolCall(payload.tool_call_id, payload.tool, payload.arguments))
    if state.turn is not None:
        state.turn.awaiting_approval[payload.tool_call_id] = payload


def _approval_decided(state: ConversationState, _event: Envelope, payload: ToolApprovalDecided) -> None:
    turn = state.turn
    if turn is not None and turn.awaiting_approval.pop(payload.tool_call_id, None) is not None:
        turn.decided[payload.tool_call_id] = payload


def _tool_requested(state: ConversationState, _event: Envelope, payload: ToolRequested) -> None:
    _assistant_call(state, ToolCall(payload.tool_call_id, payload.tool, payload.arguments))
    key = call_key(payload.tool, payload.arguments)
    held = state.proposals.get(payload.tool)
    if held is not None and held.key == key:
        del state.proposals[payload.tool]  # confirmed and sent: another such call needs another yes
    state.tool_calls += 1
    state.call_counts[key] += 1
    if state.turn is not None:
        state.turn.tool_calls += 1
        state.turn.call_counts[key] += 1
        state.turn.pending.add(payload.tool_call_id)
        state.turn.decided.pop(payload.tool_call_id, None)


def _tool_completed(state: ConversationState, _event: Envelope, payload: ToolCompleted) -> None:
    state.history.append(
        ModelMessage(role="tool", tool_call_id=payload.tool_call_id, tool_name=payload.tool, result=payload.result)
    )
    state.consecutive_failures = 0
    state.results[payload.tool] = (state.turn.turn_id if state.turn else None, payload.result)
    if state.turn is not None:
        state.turn.pending.discard(payload.tool_call_id)
        for source in citations_of(payload.result):
            state.turn.citations.setdefault(source.article_id, source)


def _tool_failed(state: ConversationState, _event: Envelope, payload: ToolFailed) -> None:
    state.history.append(
        ModelMessage(
            role="tool", tool_call_id=payload.tool_call_id, tool_name=payload.tool, text=payload.message, is_error=True
        )
    )
    state.consecutive_failures += 1
    if state.turn is not None:
        state.turn.pending.discard(payload.tool_call_id)
        state.turn.decided.pop(payload.tool_call_id, None)
        if payload.kind == "outcome_unknown":
            state.turn.unknown_outcomes.append(payload.tool)


def _guard_blocked(state: ConversationState, _event: Envelope, payload: GuardBlocked) -> None:
    # To the model, a blocked call is a call whose result is the reason; it never left the agent.
    _assistant_call(state, ToolCall(payload.tool_call_id, payload.tool, payload.arguments))
    state.history.append(
        ModelMessage(
            role="tool",
            tool_call_id=payload.tool_call_id,
            tool_name=payload.tool,
            text=payload.reason,
            is_error=True,
            blocked=payload.kind,
        )
    )
    state.consecutive_failures += 1  # a model that keeps trying what is forbidden is stopped by the limit
    if payload.kind == "confirmation":
        state.proposals[payload.tool] = Proposal(call_key(payload.tool, payload.arguments))


def _procedure_applied(state: ConversationState, _event: Envelope, payload: ProcedureApplied) -> None:
    if payload.procedure not in state.procedures:
        state.procedures.append(payload.procedure)


def _replied(state: ConversationState, _event: Envelope, payload: AgentReplied) -> None:
    state.history.append(ModelMessage(role="assistant", text=payload.text))
    state.turn = None


def _handoff(state: ConversationState, _event: Envelope, _payload: HandoffRequested) -> None:
    state.owner = "human"
    state.turn = None
    state.unanswered_event = None


def _human_replied(state: ConversationState, _event: Envelope, payload: HumanReplied) -> None:
    # The human's words are part of the support side of the conversation the model will continue.
    state.history.append(
        ModelMessage(role="assistant", text=f"[{payload.agent_name}, a human colleague]: {payload.text}")
    )


def _back_to_ai(state: ConversationState, _event: Envelope, _payload: EventPayload) -> None:
    # Resolved, or handed back by a human: the customer's next message is the AI's to answer.
    state.owner = "ai"
    state.turn = None
    state.unanswered_event = None


Apply = Callable[[ConversationState, Envelope, Any], None]
APPLY: dict[type[EventPayload], Apply] = {
    ConversationStarted: _started,
    MessageReceived: _message,
    AgentTurnStarted: _turn_started,
    LlmCalled: _llm_called,
    ToolApprovalRequested: _approval_requested,
    ToolApprovalDecided: _approval_decided,
    ToolRequested: _tool_requested,
    ToolCompleted: _tool_completed,
    ToolFailed: _tool_failed,
    GuardBlocked: _guard_blocked,
    ProcedureApplied: _procedure_applied,
    AgentReplied: _replied,
    HandoffRequested: _handoff,
    HumanReplied: _human_replied,
    ConversationResolved: _back_to_ai,
    ConversationHandedBack: _back_to_ai,
}
"""The event types that change the agent's view; every other event only moves the version."""

RELEVANT = frozenset(t.model_fields["type"].default for t in APPLY if t not in (LlmCalled, HumanReplied))
"""Event types that void a decision made without them (a new message, a tool result, a turn someone else opened):
the agent decides again. Anything else appended meanwhile (costs, usage, tickets) leaves the decision valid."""


TRIGGERS = ("message.received", "tool.completed", "tool.failed", "tool.approval_decided", "turn.stalled")
"""Events after which the agent may have something to do: each is delivered to the agent (``handlers.py``)."""


def apply(state: ConversationState, recorded: RecordedEvent) -> None:
    """Fold one recorded event into ``state``."""
    state.version = recorded.position
    state.last_event = recorded.event
    if recorded.event.type in TRIGGERS:
        state.last_trigger = recorded.position
    handler = APPLY.get(type(recorded.event.payload))
    if handler is not None:
        handler(state, recorded.event, recorded.event.payload)


def fold(tenant_id: str, conversation_id: str, events: Iterable[RecordedEvent]) -> ConversationState:
    """The agent's view of a conversation, from its log alone."""
    state = ConversationState(tenant_id, conversation_id)
    for recorded in events:
        apply(state, recorded)
    return state
