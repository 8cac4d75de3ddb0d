"""What the customer sees: one JSON frame per visible logged event, reply delta, or notice."""

from __future__ import annotations

from typing import Any

from nats.aio.msg import Msg
from pydantic import ValidationError

from libs.events import (
    AgentReplied,
    CsatRequested,
    HumanAssigned,
    HumanReplied,
    RecordedEvent,
    ToolApprovalRequested,
    ToolRequested,
)
from libs.events.streaming import ReplyDelta
from services.conversation import service
from services.conversation.limits import Limited
from services.conversation.progress import approval_in_words, tool_in_words

CSAT_PROMPT = "How did we do? Rate this conversation from 1 (bad) to 5 (great)."
# The events a customer sees, in log order.
VISIBLE = frozenset(
    {
        "message.received",
        "agent.replied",
        "human.replied",
        "human.assigned",
        "csat.requested",
        "conversation.resolved",
        "conversation.handed_back",
    }
)
# Events the customer sees as a progress line while the agent works (``kind: progress``), never their arguments.
PROGRESS = frozenset({"tool.requested", "tool.approval_requested"})
SHOWN = VISIBLE | PROGRESS
REVOKED_FRAME: dict[str, Any] = {
    "kind": "error",
    "code": "widget_key_revoked",
    "detail": "this widget key has been revoked; the chat is closed",
}
KEEP_ALIVE_FRAME: dict[str, Any] = {"kind": "keep-alive"}


def may_show(msg: Msg) -> bool:
    """Whether a live event message can make a frame, by its ``Dp-Type`` header (every append sets it): the
    internal events of a turn (model calls, tool results, usage) are then not decoded and opened for nothing."""
    event_type = (msg.headers or {}).get("Dp-Type")
    return event_type is None or event_type in SHOWN


def frame_for(recorded: RecordedEvent) -> dict[str, Any] | None:
    """What the customer sees of one logged event, or None for internal events."""
    event, payload = recorded.event, recorded.event.payload
    if isinstance(payload, ToolRequested | ToolApprovalRequested):
        words = approval_in_words if isinstance(payload, ToolApprovalRequested) else tool_in_words
        return {
            "kind": "progress",
            "position": recorded.position,
            "type": event.type,
            "text": words(payload.tool, payload.arguments),
            "at": event.occurred_at.isoformat(),
        }
    if event.type not in VISIBLE:
        return None
    frame: dict[str, Any] = {"kind": "event", "position": recorded.position, "type": event.type}
    if isinstance(payload, CsatRequested):
        frame.update(role="system", text=CSAT_PROMPT, ticket_id=payload.ticket_id)
    else:
        entry = service.entry_for(recorded)
        if entry is None:
            return None
        frame.update(role=entry.role, text=entry.text)
    if isinstance(payload, HumanReplied | HumanAssigned):
        frame["agent_name"] = payload.agent_name
    if isinstance(payload, AgentReplied):
        # the reply's deltas carry it too: a client that drew them knows which drawing this text completes
        frame["turn_id"] = payload.turn_id
    frame["at"] = event.occurred_at.isoformat()
    return frame


def delta_frame(delta: ReplyDelta) -> dict[str, Any]:
    """A piece of a reply being written (not stored: ``agent.replied`` carries the whole text)."""
    return {"kind": "delta", "turn_id": delta.turn_id, "seq": delta.seq, "text": delta.text, "final": delta.final}


def delta_of(msg: Msg) -> dict[str, Any] | None:
    """The frame of a reply delta published on core NATS; None for anything that is not one."""
    try:
        return delta_frame(ReplyDelta.model_validate_json(msg.data))
    except ValidationError:
        return None


def limited_frame(limited: Limited) -> dict[str, Any]:
    """The socket's answer to a message over the rate limit: it was not taken."""
    return {"kind": "error", "code": "rate_limited", "detail": limited.detail, "retry_after": limited.retry_after}
