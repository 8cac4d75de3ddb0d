"""The agent's decisions as pure functions: no NATS, no database, no model. What replay and simulation stand on."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libs.events import (
    Actor,
    AgentReplied,
    AgentTurnStarted,
    Envelope,
    EventPayload,
    HandoffRequested,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from services.agent.decide import (
    POLITE_HANDOFF,
    Act,
    CallModel,
    Setup,
    Wait,
    after_model,
    decide,
    model_failed,
)
from services.agent.policy import AgentPolicy, ApprovalRule, Limits
from services.agent.providers import ModelResponse, ToolCall
from services.agent.state import ConversationState, fold
from services.agent.tests.test_loop import LOOKUP

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MODEL = ("offline", "deskpilot-offline-1")
CUSTOMER = Actor(kind="customer", id="c")
AI = Actor(kind="ai", id="agent")
REFUND = LOOKUP.model_copy(
    update={
        "name": "refund_order",
        "risk": "write",
        "input_schema": {
            "type": "object",
            "properties": {"order_number": {"type": "string"}, "amount": {"type": "number"}},
            "required": ["order_number"],
        },
    }
)


@dataclass
class Log:
    """A conversation's log built in memory, event by event."""

    events: list[RecordedEvent] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, payload: EventPayload, at: datetime = NOW, actor: Actor = AI) -> Log:
        event = Envelope.new(payload, tenant_id="ten_1", conversation_id="conv_1", actor=actor)
        self.events.append(RecordedEvent(next(self.ids), event.model_copy(update={"occurred_at": at})))
        return self

    def said(self, text: str) -> Log:
        return self.add(MessageReceived(message_id=f"m{len(self.events)}", text=text), actor=CUSTOMER)

    def turn(self, at: datetime = NOW) -> Log:
        trigger = next(r.event.id for r in reversed(self.events) if r.event.type == "message.received")
        return self.add(AgentTurnStarted(turn_id="turn_1", trigger_event_id=trigger, provider="p", model="m"), at)

    def called(self, tokens: int = 10, cost: str = "0.001") -> Log:
        return self.add(
            LlmCalled(
                turn_id="turn_1",
                provider="p",
                model="m",
                input_tokens=tokens,
                output_tokens=0,
                latency_ms=1,
                cost_usd=Decimal(cost),
                stop_reason="tool_use",
            )
        )

    def requested(self, call_id: str, arguments: dict[str, Any] | None = None, tool: str = "get_order_status") -> Log:
        return self.add(
            ToolRequested(
                turn_id="turn_1",
                tool_call_id=call_id,
                idempotency_key=f"k{call_id}",
                tool=tool,
                service="integrations",
                arguments=arguments or {"order_number": "1001"},
            )
        )

    def completed(self, call_id: str) -> Log:
        return self.add(
            ToolCompleted(
                turn_id="turn_1", tool_call_id=call_id, tool="get_order_status", result={"ok": 1}, latency_ms=1
            )
        )

    def failed(self, call_id: str, kind: str = "transient", tool: str = "get_order_status") -> Log:
        return self.add(
            ToolFailed(turn_id="turn_1", tool_call_id=call_id, tool=tool, kind=kind, message="no", latency_ms=1)
        )

    def state(self) -> ConversationState:
        return fold("ten_1", "conv_1", self.events)


def setup(limits: Limits | None = None, rules: tuple[ApprovalRule, ...] = ()) -> Setup:
    ids = itertools.count(1)
    policy = AgentPolicy(limits=limits or Limits(), approval_rules=rules)
    base = Setup.of([LOOKUP, REFUND], policy, *MODEL)
    return Setup(base.tools, policy, *MODEL, new_id=lambda prefix: f"{prefix}_{next(ids)}")


def names(payloads: tuple[EventPayload, ...]) -> list[str]:
    return [str(type(p).model_fields["type"].default) for p in payloads]


def kinds(decision: object) -> list[str]:
    assert isinstance(decision, Act)
    return names(decision.payloads)


def answer(*calls: ToolCall, text: str = "") -> ModelResponse:
    return ModelResponse(text=text, tool_calls=list(calls), input_tokens=5, output_tokens=5, stop_reason="tool_use")


# -- decide: what the conversation needs now -------------------------------------------------------------------


def test_a_new_message_opens_a_turn_whose_claim_comes_before_the_model_call() -> None:
    decision = decide(Log().said("where is #1001?").state(), setup(), NOW)
    assert isinstance(decision, CallModel)
    (opening,) = decision.opening
    assert isinstance(opening, AgentTurnStarted)
    assert decision.request.messages[-1].text == "where is #1001?"


@pytest.mark.parametrize(
    ("log", "why"),
    [
        (Log(), "nothing was said"),
        (Log().said("hi").turn().requested("t1"), "the tool has not answered"),
        (Log().said("hi").add(HandoffRequested(turn_id="turn_1", reason="r", summary="s")), "a human owns it"),
        (
            Log()
            .said("refund")
            .turn()
            .add(
                ToolApprovalRequested(
                    turn_id="turn_1", tool_call_id="t1", tool="refund_order", service="i", arguments={}, rule="r"
                )
            ),
            "a person must approve first",
        ),
        (
            Log()
            .said("hi")
            .turn()
            .add(AgentReplied(turn_id="turn_1", message_id="m", text="t", provider="p", model="m")),
            "answered",
        ),
    ],
)
def test_when_the_agent_waits(log: Log, why: str) -> None:
    assert isinstance(decide(log.state(), setup(), NOW), Wait), why


@pytest.mark.parametrize(
    ("log", "limits", "limit"),
    [
        (Log().said("x").turn().called().called(), Limits(model_calls_per_turn=2), "model_calls_per_turn"),
        (Log().said("x").turn().called(tokens=5000), Limits(tokens_per_conversation=5000), "tokens_per_conversation"),
        (
            Log().said("x").turn().called(cost="2.50"),
            Limits(cost_per_conversation_usd=Decimal("2.5")),
            "cost_per_conversation",
        ),
        (
            Log().said("x").turn().requested("a").failed("a").requested("b").failed("b"),
            Limits(consecutive_tool_failures=2),
            "consecutive_tool_failures",
        ),
        (Log().said("x").turn(at=NOW - timedelta(seconds=200)), Limits(turn_seconds=180), "turn_seconds"),
        (
            Log().said("x").turn(at=NOW - timedelta(seconds=200)).requested("a"),
            Limits(turn_seconds=180),
            "turn_seconds",
        ),
    ],
)
def test_a_limit_reached_before_a_model_call_ends_in_a_polite_handoff(log: Log, limits: Limits, limit: str) -> None:
    decision = decide(log.state(), setup(limits), NOW)
    assert kinds(decision) == ["agent.limit_reached", "agent.replied", "handoff.requested"]
    assert isinstance(decision, Act)
    reached, reply, _ = decision.payloads
    assert getattr(reached, "limit", None) == limit
    assert isinstance(reply, AgentReplied)
    assert reply.text == POLITE_HANDOFF


def test_a_write_of_unknown_outcome_goes_to_a_human() -> None:
    log = (
        Log()
        .said("refund #1001")
        .turn()
        .requested("t1", tool="refund_order")
        .failed("t1", kind="outcome_unknown", tool="refund_order")
    )
    decision = decide(log.state(), setup(), NOW)
    assert kinds(decision) == ["agent.replied", "handoff.requested"]
    assert isinstance(decision, Act)
    assert "refund_order" in getattr(decision.payloads[1], "summary", "")


@pytest.mark.parametrize(("approved", "expected"), [(True, "tool.requested"), (False, "tool.failed")])
def test_an_approval_decision_is_dispatched(approved: bool, expected: str) -> None:
    log = (
        Log()
        .said("refund")
        .turn()
        .add(
            ToolApprovalRequested(
                turn_id="turn_1",
                tool_call_id="t1",
                tool="refund_order",
                service="integrations",
                arguments={"order_number": "1001", "amount": 500},
                rule="r",
            )
        )
        .add(ToolApprovalDecided(tool_call_id="t1", approved=approved, decided_by="agt_1"), actor=CUSTOMER)
    )
    assert kinds(decide(log.state(), setup(), NOW)) == [expected]


# -- after_model: what the model's answer leads to --------------------------------------------------------------


def opened(log: Log) -> ConversationState:
    state = log.turn().state()
    assert state.turn is not None
    return state


def test_a_text_answer_is_priced_and_becomes_the_reply() -> None:
    state = opened(Log().said("hi"))
    assert state.turn is not None
    out = after_model(state, state.turn, answer(text="Hello!"), setup(), 12.5, NOW)
    assert names(out) == ["llm.called", "agent.replied"]
    assert isinstance(out[1], AgentReplied)
    assert out[1].text == "Hello!"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (ToolCall("t1", "get_order_status", {"order_number": "1001"}), ["llm.called", "tool.requested"]),
        (ToolCall("t1", "no_such_tool", {}), ["llm.called", "tool.requested", "tool.failed"]),
        (ToolCall("t1", "get_order_status", {"order_number": "abc"}), ["llm.called", "tool.requested", "tool.failed"]),
        (
            ToolCall("t1", "get_order_status", {}, argument_error="bad JSON"),
            ["llm.called", "tool.requested", "tool.failed"],
        ),
        (ToolCall("t1", "handoff_to_human", {"reason": "asked", "summary": "s"}), ["llm.called", "handoff.requested"]),
    ],
)
def test_tool_calls_are_validated_before_they_leave(call: ToolCall, expected: list[str]) -> None:
    state = opened(Log().said("where is #1001?"))
    assert state.turn is not None
    assert names(after_model(state, state.turn, answer(call), setup(), 1, NOW)) == expected


def test_a_knowledge_call_carries_the_releases_knowledge_scope() -> None:
    """Only calls of the knowledge service's tools carry it: the knowledge service answers from nothing else."""
    state = opened(Log().said("what is your refund policy? and where is #1001?"))
    assert state.turn is not None
    search = LOOKUP.model_copy(update={"name": "search_knowledge", "service": "knowledge"})
    base = setup()
    scoped = Setup((*base.tools, search), base.policy, *MODEL, new_id=base.new_id, knowledge=("col_faq",))
    calls = (ToolCall("t1", "search_knowledge", {"order_number": "refund"}), ToolCall("t2", "get_order_status", SAME))
    out = after_model(state, state.turn, answer(*calls), scoped, 1, NOW)
    requests = {p.tool: p.knowledge_collections for p in out if isinstance(p, ToolRequested)}
    assert requests == {"search_knowledge": ("col_faq",), "get_order_status": None}
    unscoped = Setup((*base.tools, search), base.policy, *MODEL, new_id=base.new_id)
    out = after_model(state, state.turn, answer(*calls), unscoped, 1, NOW)
    assert all(p.knowledge_collections is None for p in out if isinstance(p, ToolRequested))


def test_an_approval_rule_holds_a_call_for_a_person() -> None:
    state = opened(Log().said("refund 1001"))
    assert state.turn is not None
    rules = (ApprovalRule(tool="refund_order", argument="amount", above=Decimal(100)),)
    big = ToolCall("t1", "refund_order", {"order_number": "1001", "amount": 500})
    small = ToolCall("t2", "refund_order", {"order_number": "1001", "amount": 50})
    assert names(after_model(state, state.turn, answer(big), setup(rules=rules), 1, NOW)) == [
        "llm.called",
        "tool.approval_requested",
    ]
    assert names(after_model(state, state.turn, answer(small), setup(rules=rules), 1, NOW)) == [
        "llm.called",
        "tool.requested",
    ]


SAME = {"order_number": "1001"}


@pytest.mark.parametrize(
    ("log", "limits", "limit"),
    [
        # the same call a fourth time within one turn: a loop
        (
            Log()
            .said("x")
            .turn()
            .requested("a", SAME)
            .completed("a")
            .requested("b", SAME)
            .completed("b")
            .requested("c", SAME)
            .completed("c"),
            Limits(identical_tool_calls=3),
            "identical_tool_calls",
        ),
        (Log().said("x").turn().requested("a").completed("a"), Limits(tool_calls_per_turn=1), "tool_calls_per_turn"),
        (
            Log().said("x").turn().requested("a").completed("a"),
            Limits(tool_calls_per_conversation=1),
            "tool_calls_per_conversation",
        ),
    ],
)
def test_tool_call_limits_are_checked_on_what_the_model_asks(log: Log, limits: Limits, limit: str) -> None:
    state = log.state()
    assert state.turn is not None
    out = after_model(state, state.turn, answer(ToolCall("d", "get_order_status", SAME)), setup(limits), 1, NOW)
    assert names(out) == ["llm.called", "agent.limit_reached", "agent.replied", "handoff.requested"]
    assert getattr(out[1], "limit", None) == limit


def test_the_same_question_in_new_turns_is_not_a_loop_until_the_conversation_ceiling() -> None:
    log = Log()
    for i in range(3):  # three earlier turns, each with the same lookup
        log.said("where is #1001?").turn().requested(f"t{i}", SAME).completed(f"t{i}")
        log.add(AgentReplied(turn_id="turn_1", message_id=f"r{i}", text="shipped", provider="p", model="m"))
    state = opened(log.said("where is #1001?"))
    assert state.turn is not None
    call = answer(ToolCall("t9", "get_order_status", SAME))
    allowed = Limits(identical_tool_calls=3, identical_tool_calls_per_conversation=10)
    assert names(after_model(state, state.turn, call, setup(allowed), 1, NOW)) == [
        "llm.called",
        "tool.requested",
    ]
    ceiling = Limits(identical_tool_calls=3, identical_tool_calls_per_conversation=3)
    out = after_model(state, state.turn, call, setup(ceiling), 1, NOW)
    assert getattr(out[1], "limit", None) == "identical_tool_calls_per_conversation"


def test_a_model_that_fails_for_good_is_recorded_and_handed_over() -> None:
    state = opened(Log().said("hi"))
    assert state.turn is not None
    out = model_failed(state.turn, "APIConnectionError: down", setup())
    assert names(out) == ["llm.failed", "agent.replied", "handoff.requested"]
    assert isinstance(out[2], HandoffRequested)
    assert out[2].reason == "the AI model is unavailable"
