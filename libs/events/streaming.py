"""Reply streaming: text deltas published while the model writes, for channels that show a reply as it forms.

Deltas travel on core NATS (``dp.stream.<tenant>.<conversation>``) and are NOT part of the event log: they are
transient by design (the stored ``agent.replied`` carries the whole text), so a subscriber that misses deltas
loses nothing but the typing effect. ``seq`` orders a turn's deltas; the one with ``final=True`` closes them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReplyDelta(BaseModel):
    """A piece of the agent's reply text, in order within its turn."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tenant_id: str
    conversation_id: str
    turn_id: str
    seq: int = Field(ge=0)
    text: str
    final: bool = False
