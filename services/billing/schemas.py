"""Response models of the billing API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from libs.events import Money


class LedgerLine(BaseModel):
    event_id: str
    kind: str
    turn_id: str | None
    provider: str | None
    model: str | None
    tool: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: Money
    occurred_at: datetime


class ConversationCost(BaseModel):
    conversation_id: str
    total_usd: Money
    llm_calls: int
    tool_calls: int
    entries: list[LedgerLine]
