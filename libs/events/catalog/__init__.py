"""The event catalog: every fact Deskpilot's services tell each other, as frozen pydantic models.

Each model's one-line docstring is its published contract (docs/events.md is generated from it). Rules: a shape
that has ever been stored is never edited; a change adds a new schema version here and an upcaster in
``libs/events/upcasters.py`` that turns the old stored shape into the new one on read.

One module per domain (``tenants``, ``conversations``, ``agent``, ``ticketing``, ``billing``, ``privacy``, …);
every event is listed once more in ``AnyEvent`` and ``EVENT_TYPES`` below.

``SCOPE`` says where an event lives: ``conversation`` events are appended to that conversation's log
(``dp.conv.<tenant>.<conversation>.<type>``); ``tenant`` events are tenant-wide (``dp.tenant.<tenant>.<type>``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from libs.events.catalog.agent import (
    AgentLimitReached,
    AgentReplied,
    AgentTurnStarted,
    Citation,
    GuardBlocked,
    HandoffRequested,
    LlmCalled,
    LlmFailed,
    ProcedureApplied,
    ToolApprovalDecided,
    ToolApprovalRequested,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
)
from libs.events.catalog.base import EventPayload, Money, Priority, RiskClass, Scope
from libs.events.catalog.billing import PlanQuotaStateChanged, QuotaExceeded, UsageAlert, UsageRecorded
from libs.events.catalog.conversations import (
    ConversationResolved,
    ConversationStarted,
    MessageReceived,
    TurnStalled,
)
from libs.events.catalog.humans import (
    ConversationHandedBack,
    CsatRecorded,
    CsatRequested,
    HumanAssigned,
    HumanReplied,
    SlaBreached,
    TicketNoteAdded,
    TicketStatusChanged,
)
from libs.events.catalog.integrations import ExternalTicketUpdated, IntegrationRevoked, WebhookReceived
from libs.events.catalog.knowledge import ArticleArchived, ArticlePublished, CrawlProgressed
from libs.events.catalog.privacy import (
    PRIVACY_SERVICES,
    PrivacyErasureCompleted,
    PrivacyErasureRequested,
    PrivacyExportPrepared,
    PrivacyExportRequested,
)
from libs.events.catalog.tenants import (
    ApiKeyIssued,
    ApiKeyRevoked,
    ApiKeyRole,
    TenantCreated,
    ToolSpec,
    ToolsPublished,
)
from libs.events.catalog.ticketing import TicketCreated

AnyEvent = Annotated[
    TenantCreated
    | ApiKeyIssued
    | ApiKeyRevoked
    | ToolsPublished
    | ConversationStarted
    | MessageReceived
    | ConversationResolved
    | TurnStalled
    | AgentTurnStarted
    | LlmCalled
    | LlmFailed
    | AgentLimitReached
    | ToolApprovalRequested
    | ToolApprovalDecided
    | ProcedureApplied
    | GuardBlocked
    | ToolRequested
    | ToolCompleted
    | ToolFailed
    | AgentReplied
    | HandoffRequested
    | TicketCreated
    | HumanAssigned
    | HumanReplied
    | ConversationHandedBack
    | TicketNoteAdded
    | TicketStatusChanged
    | SlaBreached
    | CsatRequested
    | CsatRecorded
    | ArticlePublished
    | ArticleArchived
    | CrawlProgressed
    | UsageRecorded
    | UsageAlert
    | QuotaExceeded
    | PlanQuotaStateChanged
    | IntegrationRevoked
    | WebhookReceived
    | ExternalTicketUpdated
    | PrivacyErasureRequested
    | PrivacyErasureCompleted
    | PrivacyExportRequested
    | PrivacyExportPrepared,
    Field(discriminator="type"),
]

EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type(): cls
    for cls in (
        TenantCreated,
        ApiKeyIssued,
        ApiKeyRevoked,
        ToolsPublished,
        ConversationStarted,
        MessageReceived,
        ConversationResolved,
        TurnStalled,
        AgentTurnStarted,
        LlmCalled,
        LlmFailed,
        AgentLimitReached,
        ToolApprovalRequested,
        ToolApprovalDecided,
        ProcedureApplied,
        GuardBlocked,
        ToolRequested,
        ToolCompleted,
        ToolFailed,
        AgentReplied,
        HandoffRequested,
        TicketCreated,
        HumanAssigned,
        HumanReplied,
        ConversationHandedBack,
        TicketNoteAdded,
        TicketStatusChanged,
        SlaBreached,
        CsatRequested,
        CsatRecorded,
        ArticlePublished,
        ArticleArchived,
        CrawlProgressed,
        UsageRecorded,
        UsageAlert,
        QuotaExceeded,
        PlanQuotaStateChanged,
        IntegrationRevoked,
        WebhookReceived,
        ExternalTicketUpdated,
        PrivacyErasureRequested,
        PrivacyErasureCompleted,
        PrivacyExportRequested,
        PrivacyExportPrepared,
    )
}

__all__ = [
    "EVENT_TYPES",
    "PRIVACY_SERVICES",
    "AgentLimitReached",
    "AgentReplied",
    "AgentTurnStarted",
    "AnyEvent",
    "ApiKeyIssued",
    "ApiKeyRevoked",
    "ApiKeyRole",
    "ArticleArchived",
    "ArticlePublished",
    "Citation",
    "ConversationHandedBack",
    "ConversationResolved",
    "ConversationStarted",
    "CrawlProgressed",
    "CsatRecorded",
    "CsatRequested",
    "EventPayload",
    "ExternalTicketUpdated",
    "GuardBlocked",
    "HandoffRequested",
    "HumanAssigned",
    "HumanReplied",
    "IntegrationRevoked",
    "LlmCalled",
    "LlmFailed",
    "MessageReceived",
    "Money",
    "PlanQuotaStateChanged",
    "Priority",
    "PrivacyErasureCompleted",
    "PrivacyErasureRequested",
    "PrivacyExportPrepared",
    "PrivacyExportRequested",
    "ProcedureApplied",
    "QuotaExceeded",
    "RiskClass",
    "Scope",
    "SlaBreached",
    "TenantCreated",
    "TicketCreated",
    "TicketNoteAdded",
    "TicketStatusChanged",
    "ToolApprovalDecided",
    "ToolApprovalRequested",
    "ToolCompleted",
    "ToolFailed",
    "ToolRequested",
    "ToolSpec",
    "ToolsPublished",
    "TurnStalled",
    "UsageAlert",
    "UsageRecorded",
    "WebhookReceived",
]
