"""Usage and money."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Money


class UsageRecorded(EventPayload):
    """Billing recorded the usage and exact cost of one agent turn."""

    type: Literal["usage.recorded"] = "usage.recorded"
    turn_id: str
    llm_calls: int = Field(ge=0)
    tool_calls: int = Field(ge=0)
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cost_usd: Money
