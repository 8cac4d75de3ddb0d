"""The event catalog: every fact Deskpilot's services tell each other, as frozen pydantic models.

Each model's one-line docstring is its published contract (docs/events.md is generated from it). Rules: a shape
that has ever been stored is never edited; a change adds a new schema version here and an upcaster in
``libs/events/upcasters.py`` that turns the old stored shape into the new one on read.

``SCOPE`` says where an event lives: ``conversation`` events are appended to that conversation's log
(``dp.conv.<tenant>.<conversation>.<type>``); ``tenant`` events are tenant-wide (``dp.tenant.<tenant>.<type>``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Priority = Literal["low", "normal", "high", "urgent"]
RiskClass = Literal["read", "write", "approval_required"]
Scope = Literal["conversation", "tenant"]
# Exact decimal dollars, written in fixed-point notation on the wire ("0.00480000", never "4.8E-3").
Money = Annotated[Decimal, Field(ge=0), PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]


class EventPayload(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    SCHEMA_VERSION: ClassVar[int] = 1
    SCOPE: ClassVar[Scope] = "conversation"

    @classmethod
    def event_type(cls) -> str:
        default = cls.model_fields["type"].default
        assert isinstance(default, str)
        return default


# --- tenants and catalog --------------------------------------------------------------------------------------


class TenantCreated(EventPayload):
    """A tenant was created; services keep their own copy of its API-key digest to authenticate requests."""

    SCOPE: ClassVar[Scope] = "tenant"
    type: Literal["tenant.created"] = "tenant.created"
    name: str
    api_key_sha256: str = Field(description="hex SHA-256 of the tenant's API key; the key itself is never stored")
    api_key_prefix: str = Field(description="first characters of the key, to tell keys apart in listings")


class ToolSpec(BaseModel):
    """A tool the agent may call: name, description, JSON-schema input, risk class, and the owning service."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str
    input_schema: dict[str, Any]
    risk: RiskClass = "read"
    service: str = Field(description="the service that executes it and answers tool.requested for it")
    integration: str | None = None


class ToolsPublished(EventPayload):
    """A service published the complete set of tools it offers to a tenant's agent (replaces its previous set)."""

    SCOPE: ClassVar[Scope] = "tenant"
    type: Literal["tools.published"] = "tools.published"
    service: str
    tools: tuple[ToolSpec, ...]


# --- conversations --------------------------------------------------------------------------------------------


class ConversationStarted(EventPayload):
    """A conversation was opened on a channel, optionally for a known customer."""

    type: Literal["conversation.started"] = "conversation.started"
    channel: str = "api"
    customer_id: str | None = None


class MessageReceived(EventPayload):
    """A customer's message reached Deskpilot through a channel."""

    type: Literal["message.received"] = "message.received"
    message_id: str
    text: str
    channel: str = "api"
    idempotency_key: str | None = Field(
        default=None, description="the client's Idempotency-Key: a retried POST returns this message, not a new one"
    )


class ConversationResolved(EventPayload):
    """The conversation was resolved, by the AI alone or by a human."""

    type: Literal["conversation.resolved"] = "conversation.resolved"
    by: Literal["ai", "human"]


# --- the agent ------------------------------------------------------------------------------------------------


class AgentTurnStarted(EventPayload):
    """The agent began a turn in answer to the customer message ``trigger_event_id``."""

    type: Literal["agent.turn_started"] = "agent.turn_started"
    turn_id: str
    trigger_event_id: str
    provider: str
    model: str


class LlmCalled(EventPayload):
    """One model call of a turn: provider, model, token usage (incl. cache), latency and dollar cost. (v2)"""

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["llm.called"] = "llm.called"
    turn_id: str
    provider: str
    model: str
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cache_read_tokens: int = Field(ge=0, default=0)
    cache_write_tokens: int = Field(ge=0, default=0)
    latency_ms: float = Field(ge=0)
    cost_usd: Money = Field(description="cost from the dated price table, exact decimal dollars")
    stop_reason: str
    discarded: bool = Field(
        default=False,
        description="the decision this call informed was dropped because the conversation moved on meanwhile; "
        "billed, but not counted against the turn's limits",
    )


class ToolRequested(EventPayload):
    """The agent asks the owning service to execute one tool call; ``tool_call_id`` makes it execute once."""

    type: Literal["tool.requested"] = "tool.requested"
    turn_id: str
    tool_call_id: str
    idempotency_key: str
    tool: str
    service: str
    arguments: dict[str, Any]


class ToolCompleted(EventPayload):
    """A tool call finished; ``result`` is the sanitised, JSON-serialisable output given to the model."""

    type: Literal["tool.completed"] = "tool.completed"
    turn_id: str
    tool_call_id: str
    tool: str
    result: dict[str, Any]
    latency_ms: float = Field(ge=0)
    dry_run: bool = False


class ToolFailed(EventPayload):
    """A tool call failed with a typed reason; the model sees ``message``, operators see ``kind``."""

    type: Literal["tool.failed"] = "tool.failed"
    turn_id: str
    tool_call_id: str
    tool: str
    kind: Literal["invalid_arguments", "unknown_tool", "not_found", "transient", "permanent", "unauthorized"]
    message: str
    latency_ms: float = Field(ge=0)


class AgentReplied(EventPayload):
    """The agent sent a reply to the customer, ending its turn."""

    type: Literal["agent.replied"] = "agent.replied"
    turn_id: str
    message_id: str
    text: str
    provider: str
    model: str


class HandoffRequested(EventPayload):
    """The agent (or a limit) handed the conversation to a human, with a reason, a summary and a priority."""

    type: Literal["handoff.requested"] = "handoff.requested"
    turn_id: str
    reason: str
    summary: str
    priority: Priority = "normal"


# --- ticketing and billing ------------------------------------------------------------------------------------


class TicketCreated(EventPayload):
    """A ticket was opened for the conversation (from a handoff or an email)."""

    type: Literal["ticket.created"] = "ticket.created"
    ticket_id: str
    source: Literal["handoff", "email"]
    subject: str
    priority: Priority


class UsageRecorded(EventPayload):
    """Billing recorded the usage and exact cost of one agent turn."""

    type: Literal["usage.recorded"] = "usage.recorded"
    turn_id: str
    llm_calls: int = Field(ge=0)
    tool_calls: int = Field(ge=0)
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cost_usd: Money


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
