"""Per-tenant agent policy: limits with documented defaults, and approval rules enforced by code, not by asking
the model. Stored per tenant (``GET/PUT /v1/agent/policy``); a tenant without a stored policy gets the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.events import ToolSpec
from libs.events.catalog.agent import LimitName


@dataclass(frozen=True)
class Usage:
    """What a conversation has used so far, as the limits see it. ``None``: not measured at this check."""

    model_calls_in_turn: int | None = None
    tokens: int | None = None
    cost_usd: Decimal | None = None
    turn_seconds: float | None = None
    consecutive_tool_failures: int | None = None
    tool_calls_in_turn: int | None = None
    tool_calls_in_conversation: int | None = None
    identical_in_turn: int | None = None
    identical_in_conversation: int | None = None


@dataclass(frozen=True)
class LimitHit:
    """A limit reached: which one, what was observed, and the threshold (as text, for the event)."""

    limit: LimitName
    observed: str
    threshold: str


class Limits(BaseModel):
    """Hard limits. Reaching one ends in a polite reply, an ``agent.limit_reached`` event and a handoff."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tool_calls_per_turn: int = Field(default=8, ge=1, le=100, description="tool calls in one turn")
    tool_calls_per_conversation: int = Field(default=40, ge=1, le=1000, description="tool calls in a conversation")
    model_calls_per_turn: int = Field(default=8, ge=1, le=100, description="model calls in one turn")
    tokens_per_conversation: int = Field(default=400_000, ge=1000, description="input + output tokens, all calls")
    cost_per_conversation_usd: Decimal = Field(default=Decimal("2.00"), ge=0, description="dollars, all calls")
    turn_seconds: float = Field(default=180.0, gt=0, le=3600, description="wall clock from turn start")
    identical_tool_calls: int = Field(default=3, ge=1, le=100, description="same tool, same arguments, in one turn")
    identical_tool_calls_per_conversation: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="same tool, same arguments, over the conversation (a customer may ask the same thing again)",
    )
    consecutive_tool_failures: int = Field(default=3, ge=1, le=100, description="failed tool calls in a row")

    def check(self, usage: Usage) -> LimitHit | None:
        """The first limit ``usage`` reaches, or None. Counts of what is *about* to happen (tool calls the model
        asks for) must stay within their limit; totals of what already happened must stay below it."""
        table: tuple[tuple[LimitName, int | float | Decimal | None, int | float | Decimal, bool], ...] = (
            ("model_calls_per_turn", usage.model_calls_in_turn, self.model_calls_per_turn, True),
            ("tokens_per_conversation", usage.tokens, self.tokens_per_conversation, True),
            ("cost_per_conversation", usage.cost_usd, self.cost_per_conversation_usd, True),
            ("turn_seconds", usage.turn_seconds, self.turn_seconds, True),
            ("consecutive_tool_failures", usage.consecutive_tool_failures, self.consecutive_tool_failures, True),
            ("tool_calls_per_turn", usage.tool_calls_in_turn, self.tool_calls_per_turn, False),
            ("tool_calls_per_conversation", usage.tool_calls_in_conversation, self.tool_calls_per_conversation, False),
            ("identical_tool_calls", usage.identical_in_turn, self.identical_tool_calls, False),
            (
                "identical_tool_calls_per_conversation",
                usage.identical_in_conversation,
                self.identical_tool_calls_per_conversation,
                False,
            ),
        )
        for name, observed, threshold, reached_at_threshold in table:
            if observed is None:
                continue
            if observed > threshold or (reached_at_threshold and observed == threshold):
                shown = round(observed, 1) if isinstance(observed, float) else observed
                return LimitHit(name, str(shown), str(threshold))
        return None


class ApprovalRule(BaseModel):
    """``tool`` needs a human's approval; with ``argument`` and ``above``, only when that argument exceeds
    ``above`` (or is absent: a refund without an amount refunds everything, so it counts as exceeding)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tool: str = Field(min_length=1, max_length=64)
    argument: str | None = Field(default=None, min_length=1, max_length=64)
    above: Decimal | None = None

    def matches(self, tool: str, arguments: dict[str, Any]) -> bool:
        if tool != self.tool:
            return False
        if self.argument is None or self.above is None:
            return True
        value = arguments.get(self.argument)
        if value is None:
            return True
        try:
            return Decimal(str(value)) > self.above
        except InvalidOperation:
            return True  # cannot be compared: a human decides

    def describe(self) -> str:
        if self.argument is None or self.above is None:
            return f"{self.tool} always needs approval"
        return f"{self.tool} with {self.argument} above {self.above} (or unspecified) needs approval"


class ModelSetting(BaseModel):
    """The tenant's provider and model (``model`` None: the provider's default), among those the operator
    configured (``GET /v1/agent/models``); keys and servers stay the operator's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: Literal["anthropic", "openai", "openai_compatible", "offline"]
    model: str | None = Field(default=None, min_length=1, max_length=200)


class AgentPolicy(BaseModel):
    """Everything a tenant decides about its agent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    model: ModelSetting | None = Field(default=None, description="the tenant's model; None: the operator's")
    persona: str = Field(default="", max_length=4000, description="who the agent is and how it speaks")
    instructions: str = Field(default="", max_length=8000, description="the tenant's policies, in words")
    limits: Limits = Limits()
    approval_rules: tuple[ApprovalRule, ...] = ()
    context_tokens: int = Field(default=60_000, ge=2000, le=1_000_000, description="history budget per model call")
    max_tool_result_chars: int = Field(default=8000, ge=200, le=200_000)


def approval_needed(policy: AgentPolicy, spec: ToolSpec, arguments: dict[str, Any]) -> str | None:
    """Why this call needs a human's approval, or None."""
    if spec.risk == "approval_required":
        return f"{spec.name} is marked as requiring approval"
    for rule in policy.approval_rules:
        if rule.matches(spec.name, arguments):
            return rule.describe()
    return None
