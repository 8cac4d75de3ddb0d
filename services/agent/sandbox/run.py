"""One conversation in the sandbox: the live agent loop (``Agent.advance``: fold, decide, model, after_model) on an
in-memory log, with the sandbox answering its tool calls and approvals.

The world's events (the customer's messages, a human's replies, hand-backs, resolutions) are fed in their order;
after each the conversation is *settled*: the agent advances, its tool calls are answered, approvals decided, until
it waits for the next message. Nothing reaches the shared log, a ledger, or any integration's write path; the
limits are the live ones (the candidate's policy), so a runaway candidate stops exactly as live traffic would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from libs.events import (
    Actor,
    Envelope,
    EventPayload,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolRequested,
    ToolSpec,
)
from libs.events.memory_log import MemoryEventLog
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure
from services.agent.providers import ChatModel
from services.agent.sandbox.answers import AnswerChain
from services.agent.service import Agent
from services.agent.state import ConversationState, call_key

SANDBOX = Actor(kind="system", id="sandbox")
# A settle that takes more rounds than this is a bug in the sandbox, not a candidate's behaviour: the candidate's
# own limits (tool and model calls per turn) end a turn long before.
MAX_ROUNDS = 1000


class Approvals(Protocol):
    """Who decides a tool call that needs a human's approval, in the sandbox: ``(approved, note)``."""

    def decide(self, request: ToolApprovalRequested) -> tuple[bool, str]: ...


class FixedApprovals:
    """Every approval decided the same way (a simulation task says which)."""

    def __init__(self, approve: bool) -> None:
        self._approve = approve

    def decide(self, _request: ToolApprovalRequested) -> tuple[bool, str]:
        return self._approve, f"sandbox: {'approved' if self._approve else 'denied'} by the simulation"


class RecordedApprovals:
    """As the human decided the same call (tool and arguments) in the recording; a call nobody decided is denied,
    so the candidate's turn can end rather than wait for a person who is not there."""

    def __init__(self, events: Sequence[RecordedEvent]) -> None:
        asked: dict[str, str] = {}
        self._decided: dict[str, list[tuple[bool, str]]] = defaultdict(list)
        for recorded in events:
            p = recorded.event.payload
            if isinstance(p, ToolApprovalRequested):
                asked[p.tool_call_id] = call_key(p.tool, p.arguments)
            elif isinstance(p, ToolApprovalDecided) and p.tool_call_id in asked:
                self._decided[asked[p.tool_call_id]].append((p.approved, p.note))

    def decide(self, request: ToolApprovalRequested) -> tuple[bool, str]:
        decisions = self._decided.get(call_key(request.tool, request.arguments))
        if decisions:
            approved, note = decisions[0]
            return approved, f"as decided in the recording{': ' + note if note else ''}"
        return False, "sandbox: the recording has no decision on this call"


class SandboxConversation:
    """One conversation run by the real agent loop on a sandbox log (see the module docstring)."""

    def __init__(
        self,
        tenant_id: str,
        conversation_id: str,
        model: ChatModel,
        setup: tuple[list[ToolSpec], AgentPolicy],
        answers: AnswerChain,
        approvals: Approvals,
        procedures: Sequence[Procedure] = (),
        knowledge: tuple[str, ...] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.conversation_id = conversation_id
        self.log = MemoryEventLog()
        self._agent = Agent(self.log, model, cached_conversations=1)
        self._tools, self._policy = setup
        self._procedures = tuple(procedures)
        self._knowledge = knowledge
        self._specs = {t.name: t for t in self._tools}
        self._answers = answers
        self._approvals = approvals
        self.sources: dict[str, str] = {}  # tool call id -> where its answer came from
        self.state: ConversationState | None = None

    @property
    def events(self) -> list[RecordedEvent]:
        return self.log.events(self.tenant_id, self.conversation_id)

    async def feed(self, event: Envelope) -> None:
        """One event of the world (a customer message, …), then everything the agent does about it."""
        await self.log.append_one(self.tenant_id, self.conversation_id, event, None)
        await self.settle()

    async def settle(self) -> None:
        for _ in range(MAX_ROUNDS):
            progress = await self._agent.advance(
                self.tenant_id,
                self.conversation_id,
                self._tools,
                self._policy,
                procedures=self._procedures,
                knowledge=self._knowledge,
            )
            self.state = state = progress.state
            turn = state.turn
            if turn is None or not (turn.pending or turn.awaiting_approval):
                return
            await self._answer(turn.pending)
            for request in list(turn.awaiting_approval.values()):
                approved, note = self._approvals.decide(request)
                decided = ToolApprovalDecided(
                    tool_call_id=request.tool_call_id, approved=approved, decided_by="sandbox", note=note
                )
                await self._append(decided)
        raise RuntimeError(f"conversation {self.conversation_id} did not settle in {MAX_ROUNDS} rounds")

    async def _answer(self, pending: set[str]) -> None:
        requests = {
            r.event.payload.tool_call_id: r.event
            for r in self.events
            if isinstance(r.event.payload, ToolRequested) and r.event.payload.tool_call_id in pending
        }
        for call_id, event in requests.items():
            request = event.payload
            assert isinstance(request, ToolRequested)
            answer = await self._answers.answer(request, self._specs.get(request.tool), self.conversation_id)
            self.sources[call_id] = answer.source
            await self._append(answer.payload, caused_by=event)

    async def _append(self, payload: EventPayload, caused_by: Envelope | None = None) -> None:
        event = Envelope.new(
            payload,
            tenant_id=self.tenant_id,
            conversation_id=self.conversation_id,
            actor=SANDBOX,
            caused_by=caused_by or (self.state.last_event if self.state else None),
        )
        await self.log.append_one(self.tenant_id, self.conversation_id, event, None)
