"""Conversation lifecycle and customer messages."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload


class ConversationStarted(EventPayload):
    """A conversation was opened on a channel, optionally for a known customer."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["conversation.started"] = "conversation.started"
    channel: str = "api"
    customer_id: str | None = None


class MessageReceived(EventPayload):
    """A customer's message reached Deskpilot through a channel."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["message.received"] = "message.received"
    message_id: str
    text: str
    channel: str = "api"
    idempotency_key: str | None = Field(
        default=None, description="the client's Idempotency-Key: a retried POST returns this message, not a new one"
    )


class ConversationResolved(EventPayload):
    """The conversation was resolved, by the AI alone or by a human."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["conversation.resolved"] = "conversation.resolved"
    by: Literal["ai", "human"]
