"""Recorded conversations, read from the shared event log (the contract between services) and only ever within
the asking tenant's subjects: another tenant's conversation id reads exactly like one that does not exist."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.events import ConversationResolved, EventLog, PoisonEvent, RecordedEvent, decode
from libs.events.ids import is_subject_token
from libs.events.subjects import tenant_conversations


class UnknownConversations(LookupError):
    """Conversations that do not exist for this tenant (or are not valid ids)."""

    def __init__(self, ids: list[str]) -> None:
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        super().__init__(f"no such conversation for this tenant: {shown}")
        self.ids = ids


class ConversationFilter(BaseModel):
    """Which recorded conversations to replay: the newest ``last`` of them (by when they started or resolved)."""

    model_config = ConfigDict(extra="forbid")
    last: int = Field(default=50, ge=1, le=1000)
    status: Literal["resolved", "any"] = Field(
        default="resolved", description="'resolved': conversations resolved (newest resolution first); 'any': all"
    )
    resolved_by: Literal["ai", "human"] | None = Field(default=None, description="only resolutions by ai or human")


async def recorded(log: EventLog, tenant_id: str, conversation_id: str) -> list[RecordedEvent]:
    """The conversation's whole log; :class:`UnknownConversations` when this tenant has no such conversation."""
    if not is_subject_token(conversation_id):
        raise UnknownConversations([conversation_id])
    events = await log.read(tenant_id, conversation_id)
    if not events:
        raise UnknownConversations([conversation_id])
    return events


async def unknown(log: EventLog, tenant_id: str, ids: list[str]) -> list[str]:
    """The ids among ``ids`` that are not this tenant's conversations."""
    out: list[str] = []
    for conversation_id in ids:
        valid = is_subject_token(conversation_id)
        if not valid or not await log.read_type(tenant_id, conversation_id, "conversation.started"):
            out.append(conversation_id)
    return out


async def select(log: EventLog, tenant_id: str, wanted: ConversationFilter) -> list[str]:
    """The conversations ``wanted`` names, newest first."""
    event_type = "conversation.resolved" if wanted.status == "resolved" else "conversation.started"
    found: list[str] = []
    for _, body in reversed(await log.read_raw(tenant_conversations(tenant_id, event_type))):
        try:
            event = decode(body)
        except PoisonEvent:
            continue  # the consumers dead-letter these; a replay has nothing to read in one
        payload = event.payload
        if wanted.resolved_by and isinstance(payload, ConversationResolved) and payload.by != wanted.resolved_by:
            continue
        if event.conversation_id is not None and event.conversation_id not in found:
            found.append(event.conversation_id)
        if len(found) >= wanted.last:
            break
    return found
