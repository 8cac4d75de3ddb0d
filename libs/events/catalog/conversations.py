"""Conversation lifecycle and customer messages."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload
from libs.events.personal import OptionalPersonal, Personal


class ConversationStarted(EventPayload):
    """A conversation was opened on a channel, optionally for a known customer."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["conversation.started"] = "conversation.started"
    channel: str = "api"
    customer_id: OptionalPersonal = None


class MessageReceived(EventPayload):
    """A customer's message reached Deskpilot through a channel."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["message.received"] = "message.received"
    message_id: str
    text: Personal
    channel: str = "api"
    idempotency_key: str | None = Field(
        default=None, description="the client's Idempotency-Key: a retried POST returns this message, not a new one"
    )


class ConversationResolved(EventPayload):
    """The conversation was resolved, by the AI alone or by a human."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["conversation.resolved"] = "conversation.resolved"
    by: Literal["ai", "human"]


class TurnStalled(EventPayload):
    """A customer message had no answer ``waited_seconds`` after it was accepted and its turn made no progress; the
    agent is asked to resume it (the conversation's turn sweep). Unanswered after that too, the conversation is
    handed to a human."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["turn.stalled"] = "turn.stalled"
    message_event_id: str = Field(description="the id of the unanswered `message.received`")
    waited_seconds: int
