"""A procedure as a tenant writes it: how one kind of case is handled, in words for the model and in guards the
runtime enforces whatever the model says. YAML (or JSON); the schema is documented in docs/procedures.md.

```yaml
name: refund-within-30-days
applies_when: The customer wants money back for an order.     # the model reads it; matching uses it too
keywords: [refund, money back, return]                          # a match on any of these applies the procedure
steps: |                                                        # in words, shown to the model
  Look the order up, check it was delivered less than 30 days ago, quote the amount, refund once they say yes.
tools: [get_order_status, refund_order]
guards:
  - tool: refund_order
    requires: [get_order_status]                                # must have answered earlier in the conversation
    preconditions:                                              # each must hold, else the call is blocked
      - get_order_status.status == "delivered"
      - {check: "days_since(get_order_status.estimated_delivery) <= 30", says: "refunds only within 30 days"}
    confirm: true                                               # ask-then-act: the customer says yes first
hand_off_when:
  - {check: "number(get_order_status.total) > 1000", says: "orders over 1000 need a colleague"}
```
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_TOOL = r"^[A-Za-z0-9_-]{1,64}$"


class Condition(BaseModel):
    """One expression that must hold (a precondition) or that hands over (``hand_off_when``), and what the model
    (or the human taking over) is told when it decides."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    check: str = Field(min_length=1, max_length=500, description="an expression (docs/procedures.md#expressions)")
    says: str = Field(default="", max_length=500, description="the reason in words; default: the expression")

    @model_validator(mode="before")
    @classmethod
    def _bare_expression(cls, value: Any) -> Any:
        return {"check": value} if isinstance(value, str) else value


class Guard(BaseModel):
    """What must be true before ``tool`` is called; enforced on every call of it, in every conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tool: str = Field(pattern=_TOOL, description="the guarded tool (one of the procedure's tools)")
    requires: tuple[str, ...] = Field(
        default=(), description="tools that must have answered (successfully) earlier in the conversation"
    )
    preconditions: tuple[Condition, ...] = Field(
        default=(), description="expressions over this call's arguments and earlier tool results; all must hold"
    )
    confirm: bool = Field(
        default=False,
        description="ask-then-act: the first call is held and the model asks the customer; the same call goes "
        "through only after the customer's next message says yes",
    )
    says: str = Field(default="", max_length=500, description="what the model is told when this guard blocks")


class ProcedureDocument(BaseModel):
    """A procedure: when it applies, its steps in words, the tools it uses and the guards on them."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=NAME, description="unique per tenant: lower-case letters, digits, . _ -")
    applies_when: str = Field(min_length=1, max_length=1000, description="when the procedure applies, in words")
    keywords: tuple[str, ...] = Field(default=(), max_length=50, description="words or phrases that apply it")
    steps: str = Field(min_length=1, max_length=8000, description="how the case is handled, in words")
    tools: tuple[str, ...] = Field(default=(), max_length=50, description="the tools the procedure uses")
    guards: tuple[Guard, ...] = Field(default=(), max_length=50)
    hand_off_when: tuple[Condition, ...] = Field(default=(), max_length=20)
    enabled: bool = True

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(re.findall(r"\w+", k.lower())) for k in value)
        if any(not k for k in cleaned):
            raise ValueError("a keyword needs at least one letter or digit")
        return cleaned

    @field_validator("tools")
    @classmethod
    def _tool_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in value if not re.match(_TOOL, t)]
        if bad:
            raise ValueError(f"not a tool name: {', '.join(map(repr, bad))}")
        return value
