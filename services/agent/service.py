"""The agent's loop: read the conversation, decide, call the model when the decision says so, append.

One turn reads as a straight line (``Agent.advance``): fold the log (``state.py``), ``decide`` (``decide.py``), and
for a model call append the turn's opening first (the claim: a racing replica's append fails and it never calls
the model), stream the model's answer to the chat client (``model_call.py``), append what ``after_model`` made of it
(``ConversationLog``: at the version the decision was made; writes of others in between that do not matter are
stepped over at once, relevant ones void the rest and the agent decides again). The agent keeps no conversation
state of its own besides a cache of logs it has read: a crash mid-turn is resumed by the redelivery of the
triggering event, from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import trace

from libs.events import (
    Actor,
    AgentLimitReached,
    AgentReplied,
    Envelope,
    EventPayload,
    HandoffRequested,
    LlmCalled,
    ToolSpec,
)
from libs.events.conversation_log import Appended, ConversationLog
from libs.events.log import ConversationEvents
from libs.platform import metrics
from services.agent.decide import Act, CallModel, Setup, Wait, after_model, decide, model_failed
from services.agent.model_call import Answered, DeltaSink, call_model
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure
from services.agent.providers import ChatModel
from services.agent.state import RELEVANT, ConversationState, apply
from services.agent.tenant_setup import TenantSetup

log = logging.getLogger("deskpilot.agent")
tracer = trace.get_tracer("deskpilot.agent")

AI = Actor(kind="ai", id="deskpilot-agent")
Key = tuple[str, str]
Choose = Callable[[ConversationState], Awaitable["TenantSetup"]]
"""The setup a conversation runs under, decided from its fold (e.g. the agent release it was assigned)."""


@dataclass(frozen=True)
class Progress:
    """What one ``advance`` did: how many decisions landed whole, and the conversation as it was left."""

    steps: int
    state: ConversationState


class Agent:
    """Advances conversations: one decision at a time, appended with optimistic concurrency.

    ``event_log`` is the shared log live; a replay or simulation passes a sandbox's in-memory log
    (``libs.events.memory_log``), and the same loop runs there unchanged."""

    def __init__(
        self,
        event_log: ConversationEvents,
        model: ChatModel,
        cached_conversations: int = 10_000,
        deltas: DeltaSink | None = None,
        *,
        measured: bool = False,
        models: Callable[[AgentPolicy], ChatModel] | None = None,
    ) -> None:
        self._log = ConversationLog(event_log)
        self._model = model
        self._models = models  # the tenant's own model, where its policy chose one
        self._deltas = deltas
        self._locks: dict[Key, tuple[asyncio.Lock, int]] = {}
        # Recently advanced conversations, folded: the log is append-only, so a fold stays true and only what came
        # after its version needs reading and applying.
        self._folded: OrderedDict[Key, ConversationState] = OrderedDict()
        self._cached_conversations = cached_conversations
        # Live turns feed /metrics (turns, model calls, tokens, cost); a sandbox's replays and simulations do not.
        self._measured = measured

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
        through: int = 0,
        procedures: Sequence[Procedure] = (),
        choose: Choose | None = None,
        knowledge: tuple[str, ...] | None = None,
    ) -> Progress:
        """Take every step the conversation needs now. ``through``: the position of the event that woke the agent,
        which the read must include; ``procedures``: the tenant's, whose guards every tool call must pass;
        ``choose``: instead of these, the setup for this conversation as folded (its release); ``knowledge``: the
        collections its knowledge calls may read (none: all)."""
        key = (tenant_id, conversation_id)
        given = TenantSetup(tools, policy or AgentPolicy(), tuple(procedures), knowledge=knowledge)
        setup, model = self._setup(given)
        steps = 0
        async with self._conversation_lock(key):
            state = await self._state(key, through)
            if choose is not None:
                setup, model = self._setup(await choose(state))
            if through and state.last_trigger > through:
                # A later event of this conversation wakes the agent too, maybe on another replica, and whoever takes
                # it reads everything up to it: leave the step to that one instead of racing it (a customer sending
                # three messages at once is answered by one decision, not by three replicas' conflicting ones).
                return Progress(0, state)
            while True:
                decision = decide(state, setup, datetime.now(UTC))
                if isinstance(decision, Wait):
                    return Progress(steps, state)
                with tracer.start_as_current_span("invoke_agent", kind=trace.SpanKind.INTERNAL) as span:
                    span.set_attribute("gen_ai.operation.name", "invoke_agent")
                    span.set_attribute("deskpilot.tenant_id", tenant_id)
                    span.set_attribute("deskpilot.conversation_id", conversation_id)
                    appended = await self._take(state, decision, setup, model)
                if appended.complete:
                    steps += 1
                    self._measure_turn(state, appended)
                    # What was appended since the decision is known exactly: no need to read it back.
                    for recorded in appended.in_order():
                        apply(state, recorded)
                else:
                    log.info("conversation %s moved on; deciding again", conversation_id)
                    state = await self._state(key, 0)

    def _setup(self, chosen: TenantSetup) -> tuple[Setup, ChatModel]:
        """What decisions depend on besides the log, and the model to call (the tenant's own, where its policy
        chose one)."""
        model = self._models(chosen.policy) if self._models is not None else self._model
        setup = Setup.of(
            chosen.tools,
            chosen.policy,
            model.provider,
            model.model,
            chosen.procedures,
            chosen.release,
            chosen.knowledge,
        )
        return setup, model

    async def _take(
        self, state: ConversationState, decision: Act | CallModel, setup: Setup, model: ChatModel
    ) -> Appended:
        cause = state.unanswered_event or state.last_event
        if isinstance(decision, Act):
            return await self._append(state, decision.payloads, cause)
        if decision.opening:
            claimed = await self._append(state, decision.opening, cause)
            if not claimed.complete:
                return claimed
            for recorded in claimed.in_order():
                apply(state, recorded)
        turn = state.turn
        assert turn is not None, "a model call belongs to an open turn"
        where = (state.tenant_id, state.conversation_id, turn.turn_id)
        outcome = await call_model(model, decision.request, where, self._deltas)
        if isinstance(outcome, Answered):
            now = datetime.now(UTC)
            payloads = after_model(state, turn, outcome.response, setup, outcome.latency_ms, now)
        else:
            payloads = model_failed(turn, outcome.reason, setup)
        if self._measured:
            _measure_model_call(self._model, payloads)
        events = self._envelopes(state, payloads, cause)
        appended = await self._append_events(state, events)
        if not appended.complete:
            await self._keep_paid(state, events, appended)
        return appended

    def _envelopes(
        self, state: ConversationState, payloads: tuple[EventPayload, ...], cause: Envelope | None
    ) -> list[Envelope]:
        return [
            Envelope.new(p, tenant_id=state.tenant_id, conversation_id=state.conversation_id, actor=AI, caused_by=cause)
            for p in payloads
        ]

    async def _append(
        self, state: ConversationState, payloads: tuple[EventPayload, ...], cause: Envelope | None
    ) -> Appended:
        return await self._append_events(state, self._envelopes(state, payloads, cause))

    async def _append_events(self, state: ConversationState, events: list[Envelope]) -> Appended:
        for p in (e.payload for e in events):
            if isinstance(p, AgentLimitReached):
                log.warning(
                    "conversation %s: limit %s reached (%s ≥ %s); handing over",
                    state.conversation_id,
                    p.limit,
                    p.observed,
                    p.threshold,
                )
        return await self._log.append_decision(state.tenant_id, state.conversation_id, events, state.version, RELEVANT)

    def _measure_turn(self, state: ConversationState, appended: Appended) -> None:
        """A turn that this decision ended (a reply, a handoff): its duration from its opening."""
        turn = state.turn
        if not self._measured or turn is None:
            return
        for recorded in appended.in_order():
            payload = recorded.event.payload
            if isinstance(payload, AgentReplied | HandoffRequested) and payload.turn_id == turn.turn_id:
                seconds = (datetime.now(UTC) - turn.started_at).total_seconds()
                outcome = "replied" if isinstance(payload, AgentReplied) else "handoff"
                metrics.TURN_DURATION.labels(outcome).observe(max(0.0, seconds))
                return

    async def _keep_paid(self, state: ConversationState, events: list[Envelope], appended: Appended) -> None:
        """A voided decision's model call happened and was paid for: keep its record, marked discarded."""
        for event in events:
            if isinstance(event.payload, LlmCalled) and not appended.has(event.id):
                paid = event.model_copy(update={"payload": event.payload.model_copy(update={"discarded": True})})
                await self._log.log.append_one(state.tenant_id, state.conversation_id, paid, None)

    @contextlib.asynccontextmanager
    async def _conversation_lock(self, key: Key) -> AsyncIterator[None]:
        """One advance at a time per conversation in this process (replicas are kept apart by the log)."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:  # nobody else is waiting: drop it, so the map does not grow forever
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _state(self, key: Key, through: int) -> ConversationState:
        """The conversation folded up to its newest event (at least through ``through``)."""
        state = self._folded.pop(key, None) or ConversationState(*key)
        for recorded in await self._log.log.read(*key, from_version=state.version, through=through):
            apply(state, recorded)
        self._folded[key] = state
        while len(self._folded) > self._cached_conversations:
            self._folded.popitem(last=False)
        return state


def _measure_model_call(model: ChatModel, payloads: tuple[EventPayload, ...]) -> None:
    """A model call in ``/metrics``: tokens, cost and duration from its ``llm.called``, or a failure."""
    called = [p for p in payloads if isinstance(p, LlmCalled)]
    if not called:
        metrics.MODEL_CALLS.labels(model.provider, model.model, "failed").inc()
    for p in called:
        usage = {
            "input": p.input_tokens,
            "output": p.output_tokens,
            "cache_read": p.cache_read_tokens,
            "cache_write": p.cache_write_tokens,
        }
        metrics.record_model_call(p.provider, p.model, usage, p.cost_usd, p.latency_ms / 1000)
