"""A generated, realistic conversation history for billing tests: several conversations across two months, model
calls on priced and unpriced models, priced and free tools that succeed or fail, replies, handoffs and resolutions,
and a late (discarded) model call arriving after its turn closed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from libs.events import (
    Actor,
    AgentReplied,
    ConversationResolved,
    ConversationStarted,
    Envelope,
    EventLog,
    HandoffRequested,
    LlmCalled,
    MessageReceived,
    ToolCompleted,
    ToolFailed,
    new_id,
)
from libs.events.streams import EVENTS_STREAM
from libs.pricing import llm_cost

AI = Actor(kind="ai", id="agent")
CUSTOMER = Actor(kind="customer", id="c")
HUMAN = Actor(kind="human", id="h")
MODELS = [
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-haiku-4-5"),
    ("openai", "gpt-4.1-mini"),
    ("acme", "unpriced-model"),  # not in the price table: booked at the agent's reported cost
]
REPORTED_UNPRICED = Decimal("0.00123")
TOOLS = ["search_knowledge", "get_order_status"]


@dataclass
class History:
    tenant_id: str
    conversations: dict[str, list[Envelope]] = field(default_factory=dict)
    expected_cost: Decimal = Decimal(0)
    cost_by_conversation: dict[str, Decimal] = field(default_factory=dict)
    turns: int = 0
    ai_resolutions: set[str] = field(default_factory=set)
    human_handled: set[str] = field(default_factory=set)

    @property
    def events(self) -> list[Envelope]:
        return [e for evs in self.conversations.values() for e in evs]


class _Conversation:
    """Writes one conversation's events with a moving clock."""

    def __init__(self, history: History, rng: random.Random, clock: datetime) -> None:
        self.history, self.rng, self.clock = history, rng, clock
        self.id = new_id("conv")
        self.events: list[Envelope] = []

    def add(self, payload: object, actor: Actor = AI) -> None:
        self.clock += timedelta(seconds=self.rng.randint(1, 90))
        e = Envelope.new(payload, tenant_id=self.history.tenant_id, conversation_id=self.id, actor=actor)  # type: ignore[arg-type]
        self.events.append(e.model_copy(update={"occurred_at": self.clock}))

    def charge(self, cost: Decimal) -> None:
        self.history.expected_cost += cost
        costs = self.history.cost_by_conversation
        costs[self.id] = costs.get(self.id, Decimal(0)) + cost

    def llm_call(self, turn: str, discarded: bool = False) -> None:
        provider, model = self.rng.choice(MODELS)
        tokens = {
            "input_tokens": self.rng.randint(100, 5000),
            "output_tokens": self.rng.randint(10, 800),
            "cache_read_tokens": self.rng.choice([0, 0, 1200]),
            "cache_write_tokens": self.rng.choice([0, 300]),
        }
        # the expectation is computed here, independently of billing, from the same price table
        cost = REPORTED_UNPRICED if provider == "acme" else llm_cost(provider, model, self.clock.date(), **tokens)
        self.charge(cost)
        self.add(
            LlmCalled(
                turn_id=turn,
                provider=provider,
                model=model,
                latency_ms=500,
                cost_usd=cost,
                stop_reason="end_turn",
                discarded=discarded,
                **tokens,
            )
        )

    def tool_call(self, turn: str) -> None:
        tool, call = self.rng.choice(TOOLS), new_id("call")
        if self.rng.random() < 0.3:
            kind = self.rng.choice(["transient", "invalid_arguments"])
            self.add(ToolFailed(turn_id=turn, tool_call_id=call, tool=tool, kind=kind, message="x", latency_ms=2))
            executed = kind == "transient"
        else:
            self.add(ToolCompleted(turn_id=turn, tool_call_id=call, tool=tool, result={}, latency_ms=2))
            executed = True
        if tool == "search_knowledge" and executed:
            self.charge(Decimal("0.0002"))

    def turns(self, next_month: bool) -> tuple[str, bool]:
        """One to three turns; returns the last turn id and whether the conversation was handed off."""
        turn = ""
        for t in range(self.rng.randint(1, 3)):
            if t == 1 and next_month:
                self.clock = self.clock.replace(month=self.clock.month + 1, day=1)
            self.add(MessageReceived(message_id=new_id("msg"), text="hi"), CUSTOMER)
            turn = new_id("turn")
            self.llm_call(turn)
            for _ in range(self.rng.randint(0, 2)):
                self.tool_call(turn)
                self.llm_call(turn)
            self.history.turns += 1
            if self.rng.random() < 0.25:
                self.add(HandoffRequested(turn_id=turn, reason="asked", summary="s"))
                return turn, True
            self.add(AgentReplied(turn_id=turn, message_id=new_id("msg"), text="ok", provider="p", model="m"))
        return turn, False


def generate(tenant_id: str, conversations: int = 10, seed: int = 7) -> History:
    rng = random.Random(seed)
    history = History(tenant_id)
    for n in range(conversations):
        # October or November 2026; every third conversation also receives a message in the next month
        conv = _Conversation(history, rng, datetime(2026, 10 + n % 2, 3 + n % 25, 9, n % 60, tzinfo=UTC))
        conv.add(ConversationStarted(), CUSTOMER)
        last_turn, handed_off = conv.turns(next_month=n % 3 == 0)
        if n == 1:
            conv.llm_call(last_turn, discarded=True)  # a late call of an already closed turn: billed, not in its usage
        if handed_off:
            history.human_handled.add(conv.id)
            if rng.random() < 0.5:
                conv.add(ConversationResolved(by="human"), HUMAN)
        elif rng.random() < 0.7:
            conv.add(ConversationResolved(by="ai"))
            history.ai_resolutions.add(conv.id)
        history.conversations[conv.id] = conv.events
    return history


async def write_interleaved(log: EventLog, history: History, seed: int = 11, duplicate_rate: float = 0.2) -> Envelope:
    """Append the history to the real log with conversations interleaved at random (each in its own order), and
    with some events stored a second time later (a redelivery beyond the server's duplicate window); returns the
    last event appended, a sentinel that marks the end once an ordered consumer has booked it."""
    rng = random.Random(seed)
    pending = {conv: list(events) for conv, events in history.conversations.items()}
    written: list[Envelope] = []
    while pending:
        conv = rng.choice(sorted(pending))
        event = pending[conv].pop(0)
        if not pending[conv]:
            del pending[conv]
        await log.append(history.tenant_id, conv, [event], expected_version=None)
        written.append(event)
        if rng.random() < duplicate_rate:
            again = rng.choice(written)
            # a different message id defeats server-side deduplication, as a republish after the window would
            await log.jetstream.publish(
                again.subject, again.encode(), stream=EVENTS_STREAM, headers={"Nats-Msg-Id": f"{again.id}-again"}
            )
    # a free tool call in a conversation of its own: a ledger entry that costs nothing and meters nothing
    sentinel = Envelope.new(
        ToolCompleted(turn_id="sentinel", tool_call_id="sentinel", tool="get_order_status", result={}, latency_ms=1),
        tenant_id=history.tenant_id,
        conversation_id=new_id("conv"),
        actor=AI,
    ).model_copy(update={"occurred_at": datetime(2020, 1, 1, tzinfo=UTC)})
    await log.append(history.tenant_id, sentinel.conversation_id or "", [sentinel], expected_version=None)
    return sentinel
