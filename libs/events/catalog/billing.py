"""Usage and money."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Money, Scope


class UsageRecorded(EventPayload):
    """Billing recorded the usage and exact cost of one agent turn."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("billing",)
    type: Literal["usage.recorded"] = "usage.recorded"
    turn_id: str
    llm_calls: int = Field(ge=0)
    tool_calls: int = Field(ge=0)
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cost_usd: Money


OverLimitBehaviour = Literal["handoff", "refuse"]


class UsageAlert(EventPayload):
    """A tenant's monthly active conversations reached ``threshold_pct`` (80 or 100) of its plan's included ones."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("billing",)
    type: Literal["usage.alert"] = "usage.alert"
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="calendar month (UTC), YYYY-MM")
    plan: str
    threshold_pct: int = Field(ge=1, le=100)
    used: int = Field(ge=0, description="monthly active conversations counted when the threshold was reached")
    included: int = Field(ge=0)


class QuotaExceeded(EventPayload):
    """A tenant reached its plan's hard limit of monthly active conversations; new ones follow ``behaviour``."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("billing",)
    type: Literal["quota.exceeded"] = "quota.exceeded"
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    plan: str
    used: int = Field(ge=0)
    hard_limit: int = Field(ge=0)
    behaviour: OverLimitBehaviour


class PlanQuotaStateChanged(EventPayload):
    """Whether a tenant may open new AI conversations changed; the conversation service acts on the latest one."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("billing",)
    type: Literal["plan.quota_state_changed"] = "plan.quota_state_changed"
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    plan: str
    state: Literal["within_limits", "over_hard_limit"]
    behaviour: OverLimitBehaviour = Field(
        description="over the hard limit: 'handoff' sends new conversations straight to a human, 'refuse' refuses "
        "them with refusal_message"
    )
    refusal_message: str | None = None
