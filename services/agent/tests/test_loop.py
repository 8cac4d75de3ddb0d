"""The agent loop on a real event log: one decision per state, racing replicas, validation, limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from libs.events import (
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    HandoffRequested,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    new_id,
)
from services.agent.decide import Setup, Wait, decide
from services.agent.policy import AgentPolicy, Limits
from services.agent.providers import ModelRequest, ModelResponse, OfflineModel, ToolCall
from services.agent.service import Agent
from services.agent.state import fold

CUSTOMER = Actor(kind="customer", id="c")
TOOL_SERVICE = Actor(kind="system", id="integrations")
LOOKUP = ToolSpec(
    name="get_order_status",
    description="Look up an order by its number and tell its status.",
    input_schema={
        "type": "object",
        "properties": {"order_number": {"type": "string", "pattern": "^[0-9]+$"}},
        "required": ["order_number"],
        "additionalProperties": False,
    },
    service="integrations",
)
LIMITS = Limits(model_calls_per_turn=4, tool_calls_per_turn=3)
POLICY = AgentPolicy(limits=LIMITS)


async def new_conversation(log: EventLog, tenant_id: str, text: str) -> str:
    conv = new_id("conv")
    await log.append(
        tenant_id,
        conv,
        [
            Envelope.new(ConversationStarted(), tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER),
            Envelope.new(
                MessageReceived(message_id=new_id("msg"), text=text),
                tenant_id=tenant_id,
                conversation_id=conv,
                actor=CUSTOMER,
            ),
        ],
        expected_version=0,
    )
    return conv


async def answer_pending_tools(log: EventLog, tenant_id: str, conv: str) -> int:
    """Play the tool service: complete every requested tool call that has no result yet."""
    events = await log.read(tenant_id, conv)
    done = {r.event.payload.tool_call_id for r in events if isinstance(r.event.payload, ToolCompleted | ToolFailed)}
    answered = 0
    for r in events:
        request = r.event.payload
        if isinstance(request, ToolRequested) and request.tool_call_id not in done:
            result = ToolCompleted(
                turn_id=request.turn_id,
                tool_call_id=request.tool_call_id,
                tool=request.tool,
                result={"summary": f"Order #{request.arguments['order_number']} has shipped."},
                latency_ms=1,
            )
            await log.append(
                tenant_id,
                conv,
                [
                    Envelope.new(
                        result, tenant_id=tenant_id, conversation_id=conv, actor=TOOL_SERVICE, caused_by=r.event
                    )
                ],
                None,
            )
            answered += 1
    return answered


def types(events: list[RecordedEvent]) -> list[str]:
    return [r.event.type for r in events]


async def test_a_turn_waits_for_its_tool_and_then_replies(event_log: EventLog, tenant_id: str) -> None:
    agent = Agent(event_log, OfflineModel())
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    assert (await agent.advance(tenant_id, conv, [LOOKUP], POLICY)).steps == 1
    state = fold(tenant_id, conv, await event_log.read(tenant_id, conv))
    assert state.turn is not None
    assert len(state.turn.pending) == 1
    assert isinstance(decide(state, Setup.of([LOOKUP], POLICY, "offline", "m"), datetime.now(UTC)), Wait)
    assert (await agent.advance(tenant_id, conv, [LOOKUP], POLICY)).steps == 0  # nothing to do while the tool runs
    await answer_pending_tools(event_log, tenant_id, conv)
    assert (await agent.advance(tenant_id, conv, [LOOKUP], POLICY)).steps == 1
    events = await event_log.read(tenant_id, conv)
    assert types(events)[2:] == [
        "agent.turn_started",
        "llm.called",
        "tool.requested",
        "tool.completed",
        "llm.called",
        "agent.replied",
    ]
    assert (await agent.advance(tenant_id, conv, [LOOKUP], POLICY)).steps == 0  # a redelivered trigger changes nothing


async def test_two_replicas_never_both_answer_one_message(event_log: EventLog, tenant_id: str) -> None:
    replicas = [Agent(event_log, OfflineModel()) for _ in range(4)]
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    await asyncio.gather(*(a.advance(tenant_id, conv, [LOOKUP], POLICY) for a in replicas))
    await answer_pending_tools(event_log, tenant_id, conv)
    await asyncio.gather(*(a.advance(tenant_id, conv, [LOOKUP], POLICY) for a in replicas))
    events = await event_log.read(tenant_id, conv)
    counted = types(events)
    assert counted.count("agent.turn_started") == 1
    assert counted.count("tool.requested") == 1
    assert counted.count("agent.replied") == 1
    # The losers' model calls were made, so they are on the log for billing, marked as discarded.
    calls = [r.event.payload for r in events if isinstance(r.event.payload, LlmCalled)]
    assert sum(not c.discarded for c in calls) == 2
    assert all(c.turn_id == calls[0].turn_id or c.discarded for c in calls)


async def test_a_message_arriving_mid_turn_is_in_the_next_model_call(event_log: EventLog, tenant_id: str) -> None:
    seen: list[list[str]] = []

    class Recording(OfflineModel):
        async def complete(self, request: ModelRequest) -> ModelResponse:
            seen.append([m.text for m in request.messages if m.role == "user"])
            return await super().complete(request)

    agent = Agent(event_log, Recording())
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    await agent.advance(tenant_id, conv, [LOOKUP], POLICY)
    await event_log.append(
        tenant_id,
        conv,
        [
            Envelope.new(
                MessageReceived(message_id="m2", text="it's a gift"),
                tenant_id=tenant_id,
                conversation_id=conv,
                actor=CUSTOMER,
            )
        ],
        None,
    )
    await answer_pending_tools(event_log, tenant_id, conv)
    await agent.advance(tenant_id, conv, [LOOKUP], POLICY)
    assert seen[-1] == ["where is my order #1001?", "it's a gift"]


class Scripted:
    """A model that always asks for the same tool, with the given arguments."""

    provider = "offline"
    model = "deskpilot-offline-1"

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.arguments = arguments
        self.calls = 0

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        return ModelResponse("", [ToolCall(new_id("call"), "get_order_status", self.arguments)], 10, 5, "tool_use")


async def test_invalid_arguments_go_back_to_the_model_as_an_error(event_log: EventLog, tenant_id: str) -> None:
    model = Scripted({"order_number": "not-a-number"})
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "where is my order?")
    await agent.advance(tenant_id, conv, [LOOKUP], POLICY)
    events = await event_log.read(tenant_id, conv)
    failures = [r.event.payload for r in events if isinstance(r.event.payload, ToolFailed)]
    assert failures
    assert failures[0].kind == "invalid_arguments"
    assert "does not match" in failures[0].message
    # The model kept getting errors back and the loop stopped at its limit, handing over.
    handoff = [r.event.payload for r in events if isinstance(r.event.payload, HandoffRequested)]
    assert len(handoff) == 1
    assert handoff[0].reason.startswith("limit:")


async def test_a_runaway_loop_stops_at_its_limit_and_hands_off(event_log: EventLog, tenant_id: str) -> None:
    model = Scripted({"order_number": "1001"})
    agent = Agent(event_log, model)
    conv = await new_conversation(event_log, tenant_id, "where is my order #1001?")
    for _ in range(10):
        await agent.advance(tenant_id, conv, [LOOKUP], POLICY)
        if not await answer_pending_tools(event_log, tenant_id, conv):
            break
    events = await event_log.read(tenant_id, conv)
    assert types(events).count("tool.requested") == LIMITS.tool_calls_per_turn
    (handoff,) = [r.event.payload for r in events if isinstance(r.event.payload, HandoffRequested)]
    assert handoff.reason == "limit: tool_calls_per_turn"
    assert types(events)[-3:] == ["agent.limit_reached", "agent.replied", "handoff.requested"]
    assert (await agent.advance(tenant_id, conv, [LOOKUP], POLICY)).steps == 0  # silent while a human owns it


async def test_tool_requests_name_the_customer_they_act_for(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    customer = Actor(kind="customer", id="ada@example.com")
    await event_log.append(
        tenant_id,
        conv,
        [
            Envelope.new(
                ConversationStarted(customer_id="ada@example.com"),
                tenant_id=tenant_id,
                conversation_id=conv,
                actor=customer,
            ),
            Envelope.new(
                MessageReceived(message_id="m", text="where is my order #1001?"),
                tenant_id=tenant_id,
                conversation_id=conv,
                actor=customer,
            ),
        ],
        expected_version=0,
    )
    await Agent(event_log, OfflineModel()).advance(tenant_id, conv, [LOOKUP], POLICY)
    (request,) = [r.event.payload for r in await event_log.read(tenant_id, conv) if r.event.type == "tool.requested"]
    assert isinstance(request, ToolRequested)
    assert request.end_user == "ada@example.com"
