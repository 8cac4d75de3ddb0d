"""What every event payload shares: the base model, money, and small shared types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Priority = Literal["low", "normal", "high", "urgent"]
RiskClass = Literal["read", "write", "approval_required"]
Scope = Literal["conversation", "tenant"]
Kind = Literal["event", "command"]
# Exact decimal dollars, written in fixed-point notation on the wire ("0.00480000", never "4.8E-3").
Money = Annotated[Decimal, Field(ge=0), PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]


class EventPayload(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    SCHEMA_VERSION: ClassVar[int] = 1
    SCOPE: ClassVar[Scope] = "conversation"
    KIND: ClassVar[Kind] = "event"
    """``event``: a fact, read by any number of services. ``command``: a request for exactly one service to act,
    routed to it by subject (``ROUTE`` names the field whose value is the subject's last token)."""
    ROUTE: ClassVar[str | None] = None
    PRODUCERS: ClassVar[tuple[str, ...]] = ()
    """The services that append this type (``launcher``: the ``deskpilot`` commands). Where there are several,
    each produces it for its own part: the executor of a tool answers its requests, a service its own tools."""

    def route(self) -> str | None:
        """The token a command's subject ends with: the service that must execute it."""
        if self.ROUTE is None:
            return None
        value = getattr(self, self.ROUTE)
        assert isinstance(value, str)
        return value

    @classmethod
    def event_type(cls) -> str:
        default = cls.model_fields["type"].default
        assert isinstance(default, str)
        return default
