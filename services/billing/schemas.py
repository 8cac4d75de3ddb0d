"""Request and response models of the billing API. Amounts are exact decimal dollars, as fixed-point strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from libs.events import Money
from libs.events.catalog.billing import OverLimitBehaviour
from services.billing.plans import PLANS


class LedgerLine(BaseModel):
    event_id: str
    kind: str
    turn_id: str | None
    provider: str | None
    model: str | None
    tool: str | None
    outcome: str | None
    error_kind: str | None
    discarded: bool
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: Money
    priced_from: str
    occurred_at: datetime


class ConversationCost(BaseModel):
    conversation_id: str
    total_usd: Money
    llm_calls: int
    tool_calls: int
    entries: list[LedgerLine]


class CostDistribution(BaseModel):
    """Cost per conversation over the period (ledger entries in the period), in exact dollars."""

    conversations: int
    total_usd: Money
    mean_usd: Money | None = None
    p50_usd: Money | None = None
    p95_usd: Money | None = None
    p99_usd: Money | None = None
    max_usd: Money | None = None


class CostDriver(BaseModel):
    """One model or one tool of a conversation: how many calls, how many failed, what they cost."""

    kind: str
    name: str
    calls: int
    failures: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money


class ExpensiveConversation(BaseModel):
    conversation_id: str
    cost_usd: Money
    llm_calls: int
    tool_calls: int
    drivers: list[CostDriver] = Field(description="what the cost is made of, most expensive first")


class ToolCost(BaseModel):
    tool: str
    calls: int
    failures: int
    error_rate: Decimal
    cost_usd: Money


class DeflectionDay(BaseModel):
    day: date
    ai_resolutions: int
    human_handled: int
    deflection_rate: Decimal | None = Field(description="AI resolutions / (AI resolutions + human-handled)")


class ModelCost(BaseModel):
    """One model's calls in the period: how many, the tokens, and what they cost."""

    provider: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money


class CostReport(BaseModel):
    start: date
    end: date = Field(description="exclusive")
    cost_per_conversation: CostDistribution
    most_expensive: list[ExpensiveConversation]
    tools: list[ToolCost]
    models: list[ModelCost] = Field(default=[], description="model calls per provider and model, most expensive first")
    ai_resolutions: int
    human_handled: int
    deflection_rate: Decimal | None
    deflection_by_day: list[DeflectionDay]
    cost_per_ai_resolution_usd: Money | None = Field(
        description="total ledger cost of the conversations the AI resolved in the period, per resolution"
    )


class InvoiceLine(BaseModel):
    description: str
    quantity: int
    unit_price_usd: Money

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_usd(self) -> Decimal:
        return self.unit_price_usd * self.quantity


class InvoicePreview(BaseModel):
    month: str
    plan: str
    active_conversations: int
    included_conversations: int | None
    ai_resolutions: int
    human_handled: int
    deflection_rate: Decimal | None
    lines: list[InvoiceLine]
    total_usd: Money
    cost_of_service_usd: Money = Field(description="what the month's model and tool calls cost us (not invoiced)")


class PlanLimits(BaseModel):
    name: str
    monthly_fee_usd: Money
    included_conversations: int | None
    overage_per_conversation_usd: Money
    per_ai_resolution_usd: Money
    soft_limit: int | None
    hard_limit: int | None


class TenantPlanView(BaseModel):
    plan: PlanLimits
    over_limit_behaviour: OverLimitBehaviour
    refusal_message: str | None


class PlanChange(BaseModel):
    """A tenant's plan, and what happens to new conversations past its hard limit."""

    model_config = ConfigDict(extra="forbid")
    plan: str = Field(description="one of the plans", json_schema_extra={"enum": list(PLANS)})
    over_limit_behaviour: OverLimitBehaviour = "handoff"
    refusal_message: str | None = Field(default=None, max_length=500, min_length=1)


class MonthlyUsage(BaseModel):
    month: str
    plan: str
    active_conversations: int
    soft_limit: int | None
    hard_limit: int | None
    ai_resolutions: int
    human_handled: int
    deflection_rate: Decimal | None


class DailyPoint(BaseModel):
    day: date
    conversations: int = Field(description="conversations whose first customer message came that day")
    resolved: int = Field(description="of those, how many are resolved now (by the AI or a human)")
    resolution_rate: Decimal | None = Field(description="resolved / conversations")
    ai_resolutions: int = Field(description="conversations the AI resolved that day with no human involved")
    human_handled: int = Field(description="conversations a human took up (or resolved) that day")
    deflection_rate: Decimal | None = Field(description="AI resolutions / (AI resolutions + human-handled)")
    cost_usd: Money = Field(description="the ledger's cost of that day")


class DailyReport(BaseModel):
    start: date
    end: date = Field(description="exclusive")
    days: list[DailyPoint]


class ConversationFacts(BaseModel):
    """A conversation behind a figure: its cost in the period and how it went."""

    conversation_id: str
    cost_usd: Money
    llm_calls: int
    tool_calls: int
    first_message_at: datetime | None
    human_involved_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    ai_resolution: bool


class ConversationFactsList(BaseModel):
    items: list[ConversationFacts]
    total: int = Field(description="how many matched (items holds at most 'limit')")
