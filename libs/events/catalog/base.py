"""What every event payload shares: the base model, money, and small shared types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

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
