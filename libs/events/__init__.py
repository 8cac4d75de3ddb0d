"""Deskpilot's event contracts: the envelope, the catalog, subjects, streams, upcasters and the event-log client.

Services import from here and from nowhere else to talk to each other.
"""

from libs.events.catalog import (
    EVENT_TYPES,
    AgentReplied,
    AgentTurnStarted,
    AnyEvent,
    ConversationResolved,
    ConversationStarted,
    EventPayload,
    HandoffRequested,
    LlmCalled,
    MessageReceived,
    Money,
    Priority,
    RiskClass,
    TenantCreated,
    TicketCreated,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    ToolsPublished,
    UsageRecorded,
)
from libs.events.envelope import SYSTEM, Actor, Envelope, PoisonEvent, RecordedEvent, decode
from libs.events.ids import new_id, uuid7
from libs.events.log import EventLog, VersionConflict

__all__ = [
    "EVENT_TYPES",
    "SYSTEM",
    "Actor",
    "AgentReplied",
    "AgentTurnStarted",
    "AnyEvent",
    "ConversationResolved",
    "ConversationStarted",
    "Envelope",
    "EventLog",
    "EventPayload",
    "HandoffRequested",
    "LlmCalled",
    "MessageReceived",
    "Money",
    "PoisonEvent",
    "Priority",
    "RecordedEvent",
    "RiskClass",
    "TenantCreated",
    "TicketCreated",
    "ToolCompleted",
    "ToolFailed",
    "ToolRequested",
    "ToolSpec",
    "ToolsPublished",
    "UsageRecorded",
    "VersionConflict",
    "decode",
    "new_id",
    "uuid7",
]
