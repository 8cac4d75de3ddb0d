"""The agent's turn: model calls, tool calls and their outcomes, replies, handoffs."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.events.catalog.base import EventPayload, Kind, Money, Priority
from libs.events.personal import OptionalPersonal, Personal, PersonalTree


class AgentTurnStarted(EventPayload):
    """The agent began a turn in answer to the customer message ``trigger_event_id``, under agent release
    ``release`` (v2)."""

    SCHEMA_VERSION: ClassVar[int] = 2
    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["agent.turn_started"] = "agent.turn_started"
    turn_id: str
    trigger_event_id: str
    provider: str
    model: str
    release: int | None = Field(
        default=None,
        description="the tenant's agent release the turn ran under (a conversation keeps its first turn's); "
        "none while the tenant has published no release",
    )


class LlmCalled(EventPayload):
    """One model call of a turn: provider, model, token usage (incl. cache), latency and dollar cost, and the agent
    release its conversation runs under. (v3)"""

    SCHEMA_VERSION: ClassVar[int] = 3
    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
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
    release: int | Literal["unknown"] | None = Field(
        default="unknown",
        description="the agent release the conversation runs under (its first turn's under one), whose figures "
        'count the call; none if it runs under none; "unknown" for calls recorded before v3',
    )


class ToolRequested(EventPayload):
    """The agent asks the owning service to execute one tool call; ``tool_call_id`` makes it execute once; a
    knowledge call carries the knowledge collections its agent release may search (v2)."""

    SCHEMA_VERSION: ClassVar[int] = 2
    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    KIND: ClassVar[Kind] = "command"
    ROUTE: ClassVar[str | None] = "service"
    type: Literal["tool.requested"] = "tool.requested"
    turn_id: str
    tool_call_id: str
    idempotency_key: str
    tool: str
    service: str
    arguments: PersonalTree
    end_user: OptionalPersonal = Field(
        default=None, description="the customer on whose behalf the tool runs (the conversation's customer id)"
    )
    knowledge_collections: tuple[str, ...] | None = Field(
        default=None,
        description="the knowledge collections a knowledge tool may read (the agent release's knowledge scope; "
        "the knowledge service answers from nothing else); none: the whole knowledge base",
    )


class ToolCompleted(EventPayload):
    """A tool call finished; ``result`` is the sanitised, JSON-serialisable output given to the model."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations", "knowledge")
    type: Literal["tool.completed"] = "tool.completed"
    turn_id: str
    tool_call_id: str
    tool: str
    result: PersonalTree
    latency_ms: float = Field(ge=0)
    dry_run: bool = False


class ToolFailed(EventPayload):
    """A tool call failed with a typed reason; the model sees ``message``, operators see ``kind``."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations", "knowledge", "agent")
    type: Literal["tool.failed"] = "tool.failed"
    turn_id: str
    tool_call_id: str
    tool: str
    kind: Literal[
        "invalid_arguments",
        "unknown_tool",
        "not_found",
        "transient",
        "permanent",
        "unauthorized",
        "denied",
        "outcome_unknown",
    ] = Field(
        description="'outcome_unknown': an earlier attempt of this call may have reached the provider and the "
        "tool is not safe to repeat, so it was not sent again; someone must check at the provider"
    )
    message: Personal
    latency_ms: float = Field(ge=0)


class Citation(BaseModel):
    """A knowledge-base source a reply used."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    article_id: str
    title: str
    url: str | None = None
    anchor: str | None = None


class AgentReplied(EventPayload):
    """The agent sent a reply to the customer, ending its turn; ``citations`` are the articles it drew on."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["agent.replied"] = "agent.replied"
    turn_id: str
    message_id: str
    text: Personal
    provider: str
    model: str
    citations: tuple[Citation, ...] = ()


class HandoffRequested(EventPayload):
    """The agent (or a limit) handed the conversation to a human, with a reason, a summary and a priority."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent", "conversation")
    type: Literal["handoff.requested"] = "handoff.requested"
    turn_id: str
    reason: Personal
    summary: Personal
    priority: Priority = "normal"


LimitName = Literal[
    "tool_calls_per_turn",
    "tool_calls_per_conversation",
    "model_calls_per_turn",
    "tokens_per_conversation",
    "cost_per_conversation",
    "turn_seconds",
    "identical_tool_calls",
    "identical_tool_calls_per_conversation",
    "consecutive_tool_failures",
]


class AgentLimitReached(EventPayload):
    """A hard limit stopped the agent; a polite reply and a handoff follow. ``limit`` names which one."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["agent.limit_reached"] = "agent.limit_reached"
    turn_id: str
    limit: LimitName
    observed: str = Field(description="the value that reached the limit (a count, tokens, dollars or seconds)")
    threshold: str


class LlmFailed(EventPayload):
    """A model call failed for good (after retries); the agent hands the conversation to a human."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["llm.failed"] = "llm.failed"
    turn_id: str
    provider: str
    model: str
    reason: str


class ToolApprovalRequested(EventPayload):
    """A tool call needs a human's approval before it runs (a tenant rule matched); the turn waits."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["tool.approval_requested"] = "tool.approval_requested"
    turn_id: str
    tool_call_id: str
    tool: str
    service: str
    arguments: PersonalTree
    rule: str = Field(description="the tenant rule that requires approval, in words")


class ToolApprovalDecided(EventPayload):
    """A human approved or denied a tool call that waited for approval; the turn resumes from it."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["tool.approval_decided"] = "tool.approval_decided"
    tool_call_id: str
    approved: bool
    decided_by: str
    note: Personal = ""


class ProcedureApplied(EventPayload):
    """A tenant's procedure matched the customer's message (keywords or its words, no model call) and is shown to the
    model from this turn on; ``terms`` are what matched."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["procedure.applied"] = "procedure.applied"
    turn_id: str
    procedure: str
    version: int = Field(ge=1, description="the procedure's version at the time")
    terms: tuple[str, ...] = ()


class GuardBlocked(EventPayload):
    """A procedure's guard stopped a tool call before it went out; the model gets ``reason`` as the call's result.
    ``guard`` says which (``requires get_order``, the precondition's expression, ``confirm``), ``values`` what it
    read."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("agent",)
    type: Literal["guard.blocked"] = "guard.blocked"
    turn_id: str
    tool_call_id: str
    tool: str
    arguments: PersonalTree
    procedure: str
    guard: str
    kind: Literal["required_call", "precondition", "confirmation"]
    reason: Personal
    values: PersonalTree = Field(default_factory=dict)
