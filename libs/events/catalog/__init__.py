"""The event catalog: every fact Deskpilot's services tell each other, as frozen pydantic models.

Each model's one-line docstring is its published contract (docs/events.md is generated from it). Rules: a shape
that has ever been stored is never edited; a change adds a new schema version here and an upcaster in
``libs/events/upcasters.py`` that turns the old stored shape into the new one on read.

One module per domain (``tenants``, ``conversations``, ``agent``, ``ticketing``, ``billing``); every event is
listed once more in ``AnyEvent`` and ``EVENT_TYPES`` below.

``SCOPE`` says where an event lives: ``conversation`` events are appended to that conversation's log
(``dp.conv.<tenant>.<conversation>.<type>``); ``tenant`` events are tenant-wide (``dp.tenant.<tenant>.<type>``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from libs.events.catalog.agent import (
    AgentReplied,
    AgentTurnStarted,
    HandoffRequested,
    LlmCalled,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from libs.events.catalog.base import EventPayload, Money, Priority, RiskClass, Scope
from libs.events.catalog.billing import UsageRecorded
from libs.events.catalog.conversations import ConversationResolved, ConversationStarted, MessageReceived
from libs.events.catalog.tenants import TenantCreated, ToolSpec, ToolsPublished
from libs.events.catalog.ticketing import TicketCreated

AnyEvent = Annotated[
    TenantCreated
    | ToolsPublished
    | ConversationStarted
    | MessageReceived
    | ConversationResolved
    | AgentTurnStarted
    | LlmCalled
    | ToolRequested
    | ToolCompleted
    | ToolFailed
    | AgentReplied
    | HandoffRequested
    | TicketCreated
    | UsageRecorded,
    Field(discriminator="type"),
]

EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type(): cls
    for cls in (
        TenantCreated,
        ToolsPublished,
        ConversationStarted,
        MessageReceived,
        ConversationResolved,
        AgentTurnStarted,
        LlmCalled,
        ToolRequested,
        ToolCompleted,
        ToolFailed,
        AgentReplied,
        HandoffRequested,
        TicketCreated,
        UsageRecorded,
    )
}

__all__ = [
    "EVENT_TYPES",
    "AgentReplied",
    "AgentTurnStarted",
    "AnyEvent",
    "ConversationResolved",
    "ConversationStarted",
    "EventPayload",
    "HandoffRequested",
    "LlmCalled",
    "MessageReceived",
    "Money",
    "Priority",
    "RiskClass",
    "Scope",
    "TenantCreated",
    "TicketCreated",
    "ToolCompleted",
    "ToolFailed",
    "ToolRequested",
    "ToolSpec",
    "ToolsPublished",
    "UsageRecorded",
]
