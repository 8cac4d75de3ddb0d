"""Policies enforced by code on a real event log: approvals, provider outages, loop detection, cost caps,
consecutive failures, the context budget, and the spans of a turn."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from libs.events import (
    Actor,
    AgentLimitReached,
    Envelope,
    EventLog,
    HandoffRequested,
    LlmFailed,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    new_id,
)
from libs.platform.telemetry import CAPTURE_CONTENT
from services.agent.context import build_request, scrub
from services.agent.policy import AgentPolicy, ApprovalRule, Limits
from services.agent.providers import ModelMessage, ModelRequest, ModelResponse, OfflineModel, ToolCall
from services.agent.service import Agent
from services.agent.state import fold
from services.agent.tests.test_loop import LOOKUP, answer_pending_tools, new_conversation, types

REFUND = ToolSpec(
    name="refund_order",
    description="Refund an order in full or in part.",
    input_schema={
        "type": "object",
        "properties": {"order_number": {"type": "string"}, "amount": {"type": "number"}},
        "required": ["order_number"],
        "additionalProperties": False,
    },
    risk="write",
    service="integrations",
)
APPROVE_BIG_REFUNDS = AgentPolicy(
    approval_rules=(ApprovalRule(tool="refund_order", argument="amount", above=Decimal(100)),)
)


class Scripted:
    """A model that replays a script of responses (the last one repeats)."""

    provider = "anthropic"
    model = "claude-sonnet-4-6"

    def __init__(self, *responses: ModelResponse | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        response = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(response, Exception):
            raise response
        # Every call gets fresh tool-call ids, as a real model's do.
        fresh = [ToolCall(new_id("call"), c.name, c.arguments, c.argument_error) for c in response.tool_calls]
        return ModelResponse(response.text, fresh, response.input_tokens, response.output_tokens, response.stop_reason)


def calls(name: str, arguments: dict[str, Any], tokens: tuple[int, int] = (100, 20)) -> ModelResponse:
    return ModelResponse("", [ToolCall(new_id("call"), name, arguments)], tokens[0], tokens[1], "tool_use")


def reply(text: str) -> ModelResponse:
    return ModelResponse(text, [], 50, 10, "end_turn")


def payloads(events: list[RecordedEvent], kind: type[Any]) -> list[Any]:
    return [r.event.payload for r in events if isinstance(r.event.payload, kind)]


async def test_a_refund_over_the_threshold_waits_for_approval(event_log: EventLog, tenant_id: str) -> None:
    model = Scripted(calls("refund_order", {"order_number": "1001", "amount": 250}), reply("Refunded."))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "refund order 1001 please")
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    (waiting,) = payloads(events, ToolApprovalRequested)
    assert "above 100" in waiting.rule
    assert payloads(events, ToolRequested) == []  # nothing reached the tool's service
    assert (await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)).steps == 0  # it waits

    decision = ToolApprovalDecided(tool_call_id=waiting.tool_call_id, approved=True, decided_by="ana@shop.test")
    await event_log.append(
        tenant_id,
        conv,
        [Envelope.new(decision, tenant_id=tenant_id, conversation_id=conv, actor=Actor(kind="human", id="ana"))],
        None,
    )
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    (sent,) = payloads(events, ToolRequested)
    assert (sent.tool_call_id, sent.arguments) == (waiting.tool_call_id, {"order_number": "1001", "amount": 250})
    await answer_pending_tools(event_log, tenant_id, conv)
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    assert types(await event_log.read(tenant_id, conv))[-1] == "agent.replied"


async def test_a_denied_call_returns_to_the_model_as_a_failure(event_log: EventLog, tenant_id: str) -> None:
    model = Scripted(calls("refund_order", {"order_number": "1001"}), reply("I can't refund that, sorry."))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "refund order 1001")
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)  # no amount: counts as above the limit
    (waiting,) = payloads(await event_log.read(tenant_id, conv), ToolApprovalRequested)
    decision = ToolApprovalDecided(tool_call_id=waiting.tool_call_id, approved=False, decided_by="ana", note="fraud")
    await event_log.append(
        tenant_id,
        conv,
        [Envelope.new(decision, tenant_id=tenant_id, conversation_id=conv, actor=Actor(kind="human", id="ana"))],
        None,
    )
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    (denied,) = payloads(events, ToolFailed)
    assert denied.kind == "denied"
    assert "fraud" in denied.message
    assert payloads(events, ToolRequested) == []
    last_request = model.requests[-1].messages[-1]
    assert last_request.is_error
    assert types(events)[-1] == "agent.replied"


async def test_a_call_whose_outcome_is_unknown_goes_to_a_human(event_log: EventLog, tenant_id: str) -> None:
    model = Scripted(calls("refund_order", {"order_number": "1001", "amount": 20}), reply("Refunded!"))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "refund 20 on order 1001")
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    (sent,) = payloads(events, ToolRequested)
    unknown = ToolFailed(
        turn_id=sent.turn_id,
        tool_call_id=sent.tool_call_id,
        tool=sent.tool,
        kind="outcome_unknown",
        message="may already have reached the provider; not sent again",
        latency_ms=3,
    )
    actor = Actor(kind="system", id="integrations")
    await event_log.append(
        tenant_id, conv, [Envelope.new(unknown, tenant_id=tenant_id, conversation_id=conv, actor=actor)], None
    )
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    assert types(events)[-2:] == ["agent.replied", "handoff.requested"]
    (handoff,) = payloads(events, HandoffRequested)
    assert (handoff.reason, handoff.priority) == ("outcome unknown: refund_order", "high")
    assert len(model.requests) == 1  # the model was not asked to improvise over an unknown refund


async def test_small_refunds_need_no_approval(event_log: EventLog, tenant_id: str) -> None:
    agent = Agent(event_log, Scripted(calls("refund_order", {"order_number": "1001", "amount": 20})))
    conv = await new_conversation(event_log, tenant_id, "refund 20 on order 1001")
    await agent.advance(tenant_id, conv, [REFUND], APPROVE_BIG_REFUNDS)
    events = await event_log.read(tenant_id, conv)
    assert len(payloads(events, ToolRequested)) == 1
    assert payloads(events, ToolApprovalRequested) == []


async def test_a_provider_outage_hands_off_with_an_error_event(event_log: EventLog, tenant_id: str) -> None:
    agent = Agent(event_log, Scripted(ConnectionError("anthropic: 529 overloaded after 4 attempts")))
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    await agent.advance(tenant_id, conv, [LOOKUP])
    events = await event_log.read(tenant_id, conv)
    assert types(events)[2:] == ["agent.turn_started", "llm.failed", "agent.replied", "handoff.requested"]
    (failure,) = payloads(events, LlmFailed)
    assert "529 overloaded" in failure.reason
    (handoff,) = payloads(events, HandoffRequested)
    assert handoff.reason == "the AI model is unavailable"


async def test_the_same_call_over_and_over_is_a_loop(event_log: EventLog, tenant_id: str) -> None:
    policy = AgentPolicy(limits=Limits(identical_tool_calls=2, tool_calls_per_turn=50, model_calls_per_turn=50))
    agent = Agent(event_log, Scripted(calls("get_order_status", {"order_number": "1001"})))
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    for _ in range(10):
        await agent.advance(tenant_id, conv, [LOOKUP], policy)
        if not await answer_pending_tools(event_log, tenant_id, conv):
            break
    events = await event_log.read(tenant_id, conv)
    assert len(payloads(events, ToolRequested)) == 2
    (limit,) = payloads(events, AgentLimitReached)
    assert (limit.limit, limit.observed, limit.threshold) == ("identical_tool_calls", "3", "2")


async def test_the_dollar_cap_of_a_conversation_stops_the_agent(event_log: EventLog, tenant_id: str) -> None:
    # 300k input tokens at $3/MTok = $0.90 per call on claude-sonnet-4-6
    policy = AgentPolicy(limits=Limits(cost_per_conversation_usd=Decimal("1.50"), tokens_per_conversation=10**7))
    model = Scripted(*(calls("get_order_status", {"order_number": str(1000 + i)}, (300_000, 10)) for i in range(9)))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "where are my orders?")
    for _ in range(10):
        await agent.advance(tenant_id, conv, [LOOKUP], policy)
        if not await answer_pending_tools(event_log, tenant_id, conv):
            break
    events = await event_log.read(tenant_id, conv)
    (limit,) = payloads(events, AgentLimitReached)
    assert limit.limit == "cost_per_conversation"
    assert Decimal(limit.observed) == Decimal("1.80030")  # two calls: 2 x (0.90 + 10 x $15/MTok)
    assert len(model.requests) == 2


async def test_consecutive_tool_failures_hand_off(event_log: EventLog, tenant_id: str) -> None:
    policy = AgentPolicy(limits=Limits(consecutive_tool_failures=2))
    model = Scripted(*(calls("get_order_status", {"order_number": f"9{i}9"}) for i in range(5)))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "where is my order?")
    for _ in range(5):
        await agent.advance(tenant_id, conv, [LOOKUP], policy)
        events = await event_log.read(tenant_id, conv)
        answered = {p.tool_call_id for p in payloads(events, ToolFailed)}
        for request in payloads(events, ToolRequested):
            if request.tool_call_id not in answered:
                failed = ToolFailed(
                    turn_id=request.turn_id,
                    tool_call_id=request.tool_call_id,
                    tool=request.tool,
                    kind="transient",
                    message="the shop is down",
                    latency_ms=5,
                )
                await event_log.append(
                    tenant_id,
                    conv,
                    [
                        Envelope.new(
                            failed, tenant_id=tenant_id, conversation_id=conv, actor=Actor(kind="system", id="x")
                        )
                    ],
                    None,
                )
    (limit,) = payloads(await event_log.read(tenant_id, conv), AgentLimitReached)
    assert limit.limit == "consecutive_tool_failures"


def test_the_context_fits_the_budget_without_splitting_tool_calls_from_results() -> None:
    history: list[ModelMessage] = []
    for i in range(40):
        history += [
            ModelMessage(role="user", text=f"question {i} " + "x" * 400),
            ModelMessage(role="assistant", tool_calls=[ToolCall(f"c{i}", "get_order_status", {"order_number": "1"})]),
            ModelMessage(role="tool", tool_call_id=f"c{i}", tool_name="get_order_status", result={"blob": "y" * 5000}),
        ]
    policy = AgentPolicy(context_tokens=5000, max_tool_result_chars=500)
    request = build_request(history, [LOOKUP], policy)
    assert sum(len(m.text) + len(str(m.result or "")) for m in request.messages) // 4 < 5000
    assert request.messages[0].role == "user"
    assert request.messages[0].text.startswith("[")  # says what was left out
    assert request.messages[-1].result is not None
    assert request.messages[-1].result["truncated"] is True
    ids = [c.id for m in request.messages for c in m.tool_calls]
    results = [m.tool_call_id for m in request.messages if m.role == "tool"]
    assert ids == results


def test_secrets_never_reach_the_prompt() -> None:
    policy = AgentPolicy(persona="We are Acme. api_key: sk-live-abcdefghijklmnopqrstuvwx")
    request = build_request(
        [
            ModelMessage(
                role="tool", tool_call_id="c", tool_name="t", result={"token": "Bearer abcdefghijklmnopqrstuvwxyz"}
            )
        ],
        [],
        policy,
    )
    assert "sk-live" not in request.system
    assert "abcdefghijklmnop" not in str(request.messages[0].result)
    assert scrub("password=hunter2hunter2") == "[redacted]"


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """One provider for the session: a module's tracer binds to the provider set when it first makes a span, so a
    provider set for a later test would never see that module's spans."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace._TRACER_PROVIDER = None
    trace._TRACER_PROVIDER_SET_ONCE._done = False
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def spans(span_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    span_exporter.clear()
    return span_exporter


async def test_a_turn_emits_genai_spans(event_log: EventLog, tenant_id: str, spans: InMemorySpanExporter) -> None:
    agent = Agent(event_log, OfflineModel())
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    await agent.advance(tenant_id, conv, [LOOKUP])
    chat = [s for s in spans.get_finished_spans() if s.name == "chat deskpilot-offline-1"]
    assert chat
    attributes = dict(chat[0].attributes or {})
    assert attributes["gen_ai.provider.name"] == "offline"
    assert attributes["gen_ai.request.model"] == "deskpilot-offline-1"
    assert int(str(attributes["gen_ai.usage.input_tokens"])) > 0
    assert any(s.name == "invoke_agent" for s in spans.get_finished_spans())
    state = fold(tenant_id, conv, await event_log.read(tenant_id, conv))
    assert state.turn is not None


async def test_message_content_goes_on_spans_only_when_the_operator_asks(
    event_log: EventLog, tenant_id: str, spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` unset: the chat spans carry no message, and no
    attribute of any span the turn made holds the customer's text; set to true, the same turn's chat spans do."""
    agent = Agent(event_log, OfflineModel())
    monkeypatch.delenv(CAPTURE_CONTENT, raising=False)
    await agent.advance(tenant_id, await new_conversation(event_log, tenant_id, "where is my order #1001?"), [LOOKUP])
    quiet = spans.get_finished_spans()
    assert any(s.name == "chat deskpilot-offline-1" for s in quiet)
    for span in quiet:
        attributes = dict(span.attributes or {})
        assert not {"gen_ai.input.messages", "gen_ai.output.messages"} & attributes.keys(), span.name
        assert not any("1001" in str(value) for value in attributes.values()), (span.name, attributes)

    spans.clear()
    monkeypatch.setenv(CAPTURE_CONTENT, "true")
    await agent.advance(tenant_id, await new_conversation(event_log, tenant_id, "where is my order #1002?"), [LOOKUP])
    chat = next(s for s in spans.get_finished_spans() if s.name == "chat deskpilot-offline-1")
    assert "1002" in str((chat.attributes or {})["gen_ai.input.messages"])


async def test_unparseable_arguments_go_back_to_the_model_without_running_the_tool(
    event_log: EventLog, tenant_id: str
) -> None:
    broken = ModelResponse(
        "", [ToolCall("call_x", "get_order_status", {}, argument_error="Expecting ',' at 1:17")], 10, 5, "tool_use"
    )
    model = Scripted(broken, reply("Sorry, let me try that again."))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    await agent.advance(tenant_id, conv, [LOOKUP])
    events = await event_log.read(tenant_id, conv)
    (failed,) = payloads(events, ToolFailed)
    assert failed.kind == "invalid_arguments"
    assert "not valid JSON" in failed.message
    assert types(events)[-1] == "agent.replied"
    assert model.requests[-1].messages[-1].is_error


async def test_an_anthropic_outage_through_the_real_sdk_hands_off(event_log: EventLog, tenant_id: str) -> None:
    """The real Anthropic SDK against a fake API that stays overloaded: retries, then llm.failed and a handoff."""
    from services.agent.tests.fake_llm_server import RecordingSleep, fake_server, json_reply
    from services.agent.tests.test_providers_anthropic import model_for

    overloaded = json_reply({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, 529)
    async with fake_server(default=overloaded) as fake:
        agent = Agent(event_log, model_for(fake.url, sleep=RecordingSleep()))
        conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
        await agent.advance(tenant_id, conv, [LOOKUP])
    assert len(fake.requests) == 3  # our retry policy ran: three attempts
    events = await event_log.read(tenant_id, conv)
    assert types(events)[2:] == ["agent.turn_started", "llm.failed", "agent.replied", "handoff.requested"]
    (failure,) = payloads(events, LlmFailed)
    assert failure.provider == "anthropic"
    assert "529" in failure.reason or "overloaded" in failure.reason


async def test_a_hand_back_resumes_the_ai_with_the_humans_words_in_context(event_log: EventLog, tenant_id: str) -> None:
    from libs.events import ConversationHandedBack, HumanReplied, MessageReceived

    model = Scripted(reply("Happy to help further."))
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "I want a person")
    human = Actor(kind="human", id="alice")

    async def append(payload: Any, actor: Actor) -> None:
        await event_log.append(
            tenant_id, conv, [Envelope.new(payload, tenant_id=tenant_id, conversation_id=conv, actor=actor)], None
        )

    await append(HandoffRequested(turn_id="t0", reason="asked for a person", summary="wants a person"), human)
    await append(
        HumanReplied(
            ticket_id="tkt",
            message_id="m1",
            agent_id="alice",
            agent_name="Alice",
            text="Your replacement ships tomorrow.",
        ),
        human,
    )
    await append(MessageReceived(message_id="m2", text="thanks! one more question"), Actor(kind="customer", id="c"))
    assert (await agent.advance(tenant_id, conv, [LOOKUP])).steps == 0  # a human owns it: the AI stays silent
    await append(ConversationHandedBack(ticket_id="tkt", agent_id="alice"), human)
    await append(MessageReceived(message_id="m3", text="can I change the address?"), Actor(kind="customer", id="c"))
    assert (await agent.advance(tenant_id, conv, [LOOKUP])).steps == 1
    assert types(await event_log.read(tenant_id, conv))[-1] == "agent.replied"
    seen = [m.text for m in model.requests[-1].messages]
    assert any("Your replacement ships tomorrow." in text for text in seen)
    assert seen[-1] == "can I change the address?"
