"""What the agent *did* in each turn of a conversation, read from its log: tool calls (and approvals), handoffs,
limits, refusals, replies, cost and time.

One function serves both sides of a replay — the recorded conversation on the shared log and the candidate's run
in the sandbox log — and a simulation's checks, so both are described in exactly the same terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from libs.events import (
    AgentLimitReached,
    AgentReplied,
    AgentTurnStarted,
    HandoffRequested,
    LlmCalled,
    LlmFailed,
    MessageReceived,
    Money,
    RecordedEvent,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)

Approval = Literal["none", "waiting", "approved", "denied"]


class ToolAction(BaseModel):
    """One tool call the model made, and what became of it."""

    tool_call_id: str
    tool: str
    arguments: dict[str, Any]
    write: bool = Field(description="the tool changes something (its risk is not 'read')")
    approval: Approval = "none"
    outcome: str = Field(default="pending", description="completed | failed: <kind> | pending | not sent")
    result_summary: str = ""
    answered_from: str | None = Field(
        default=None, description="sandbox only: recorded | dry_run | unrecorded | not_executed | world"
    )


class TurnActions(BaseModel):
    """One turn: what opened it and everything the agent did until its reply or handoff."""

    turn_id: str
    message_index: int | None = Field(description="which customer message opened it (0 = the first)")
    customer_text: str = ""
    provider: str = ""
    model: str = ""
    tools: list[ToolAction] = []
    handoff: str | None = Field(default=None, description="the handoff's reason, if the turn handed over")
    limits: list[str] = []
    refusal: bool = False
    model_failed: str | None = None
    replies: list[str] = []
    cost_usd: Money = Decimal(0)
    model_ms: float = 0.0
    model_calls: int = 0
    started_at: str = ""
    duration_ms: float = 0.0

    @property
    def reply(self) -> str:
        return "\n".join(self.replies)

    def tool(self, call_id: str) -> ToolAction | None:
        return next((t for t in self.tools if t.tool_call_id == call_id), None)


def _summary(result: dict[str, Any]) -> str:
    summary = result.get("summary")
    return str(summary)[:300] if summary is not None else ""


class _Reader:
    """The fold of a log into turns (one small method per event type)."""

    def __init__(self, risks: Mapping[str, str], sources: Mapping[str, str]) -> None:
        self.risks = risks
        self.sources = sources
        self.turns: dict[str, TurnActions] = {}
        self.messages: dict[str, tuple[int, str]] = {}  # message event id -> (index, text)
        self.started: dict[str, datetime] = {}

    def call(self, turn_id: str, call_id: str, tool: str, arguments: dict[str, Any]) -> ToolAction | None:
        turn = self.turns.get(turn_id)
        if turn is None:
            return None
        found = turn.tool(call_id)
        if found is None:
            write = self.risks.get(tool, "read") != "read"
            found = ToolAction(tool_call_id=call_id, tool=tool, arguments=arguments, write=write)
            turn.tools.append(found)
        return found

    def read(self, recorded: RecordedEvent) -> None:
        event, p = recorded.event, recorded.event.payload
        if isinstance(p, MessageReceived):
            self.messages[event.id] = (len(self.messages), p.text)
        elif isinstance(p, AgentTurnStarted):
            index, text = self.messages.get(p.trigger_event_id, (None, ""))
            self.turns[p.turn_id] = TurnActions(
                turn_id=p.turn_id,
                message_index=index,
                customer_text=text,
                provider=p.provider,
                model=p.model,
                started_at=event.occurred_at.isoformat(),
            )
            self.started[p.turn_id] = event.occurred_at
        elif isinstance(p, ToolRequested | ToolApprovalRequested):
            self._requested(p)
        elif isinstance(p, ToolCompleted | ToolFailed):
            self._outcome(p)
        elif isinstance(p, ToolApprovalDecided):
            for turn in self.turns.values():
                if (action := turn.tool(p.tool_call_id)) is not None:
                    action.approval = "approved" if p.approved else "denied"
        else:
            self._turn_event(recorded)
        self._stretch(recorded)

    def _requested(self, p: ToolRequested | ToolApprovalRequested) -> None:
        action = self.call(p.turn_id, p.tool_call_id, p.tool, p.arguments)
        if action is None:
            return
        if isinstance(p, ToolApprovalRequested):
            action.approval, action.outcome = "waiting", "not sent"
        else:
            action.outcome = "pending"
            action.answered_from = self.sources.get(p.tool_call_id)

    def _outcome(self, p: ToolCompleted | ToolFailed) -> None:
        turn = self.turns.get(p.turn_id)
        action = turn.tool(p.tool_call_id) if turn else None
        if action is None:
            return
        if isinstance(p, ToolCompleted):
            action.outcome, action.result_summary = "completed", _summary(p.result)
        else:
            action.outcome, action.result_summary = f"failed: {p.kind}", p.message[:300]

    def _turn_event(self, recorded: RecordedEvent) -> None:
        p = recorded.event.payload
        turn = self.turns.get(getattr(p, "turn_id", ""))
        if turn is None:
            return
        if isinstance(p, LlmCalled):
            turn.cost_usd += p.cost_usd
            turn.model_ms += p.latency_ms
            turn.model_calls += 0 if p.discarded else 1
            turn.refusal = turn.refusal or p.stop_reason == "refusal"
        elif isinstance(p, AgentReplied):
            turn.replies.append(p.text)
        elif isinstance(p, HandoffRequested):
            turn.handoff = p.reason
        elif isinstance(p, AgentLimitReached):
            turn.limits.append(p.limit)
        elif isinstance(p, LlmFailed):
            turn.model_failed = p.reason

    def _stretch(self, recorded: RecordedEvent) -> None:
        """A turn lasts from its start to the last event of it seen so far."""
        turn_id = getattr(recorded.event.payload, "turn_id", "")
        turn, started = self.turns.get(turn_id), self.started.get(turn_id)
        if turn is not None and started is not None:
            elapsed = (recorded.event.occurred_at - started).total_seconds() * 1000
            turn.duration_ms = max(turn.duration_ms, round(elapsed, 3))


def turns_of(
    events: list[RecordedEvent], risks: Mapping[str, str], sources: Mapping[str, str] | None = None
) -> list[TurnActions]:
    """The turns of a conversation's log, in order. ``risks``: each known tool's risk class (to tell writes);
    ``sources``: for a sandbox log, where each tool call's answer came from."""
    reader = _Reader(risks, sources or {})
    for recorded in events:
        reader.read(recorded)
    return list(reader.turns.values())


def customer_messages(events: list[RecordedEvent]) -> list[str]:
    """The customer's messages, in order."""
    return [r.event.payload.text for r in events if isinstance(r.event.payload, MessageReceived)]
