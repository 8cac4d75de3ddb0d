"""Per-tenant agent policy: limits with documented defaults, and approval rules enforced by code, not by asking
the model. Stored per tenant (``GET/PUT /v1/agent/policy``); a tenant without a stored policy gets the defaults."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from libs.events import ToolSpec


class Limits(BaseModel):
    """Hard limits. Reaching one ends in a polite reply, an ``agent.limit_reached`` event and a handoff."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tool_calls_per_turn: int = Field(default=8, ge=1, le=100, description="tool calls in one turn")
    tool_calls_per_conversation: int = Field(default=40, ge=1, le=1000, description="tool calls in a conversation")
    model_calls_per_turn: int = Field(default=8, ge=1, le=100, description="model calls in one turn")
    tokens_per_conversation: int = Field(default=400_000, ge=1000, description="input + output tokens, all calls")
    cost_per_conversation_usd: Decimal = Field(default=Decimal("2.00"), ge=0, description="dollars, all calls")
    turn_seconds: float = Field(default=180.0, gt=0, le=3600, description="wall clock from turn start")
    identical_tool_calls: int = Field(default=3, ge=1, le=100, description="same tool, same arguments")
    consecutive_tool_failures: int = Field(default=3, ge=1, le=100, description="failed tool calls in a row")


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


class AgentPolicy(BaseModel):
    """Everything a tenant decides about its agent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
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
