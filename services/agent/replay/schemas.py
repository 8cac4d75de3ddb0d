"""Request and response models of the replay API (``/v1/replays``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.platform.http import exactly_one_of
from services.agent.replay.diff import ConversationDiff, ReplaySummary
from services.agent.replay.recording import ConversationFilter
from services.agent.sandbox.candidate_request import CandidateRequest


class ReplayRequest(BaseModel):
    """Replay recorded conversations against a candidate: ``conversations`` (ids), or a ``filter`` such as the last
    200 resolved ones. ``candidate``: see docs/replay.md (an empty object replays the tenant's own setup)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=exactly_one_of("conversations", "filter"))
    conversations: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    filter: ConversationFilter | None = None
    candidate: CandidateRequest = Field(default_factory=CandidateRequest)

    @model_validator(mode="after")
    def _one_selection(self) -> ReplayRequest:
        if (self.conversations is None) == (self.filter is None):
            raise ValueError("give either 'conversations' (ids) or 'filter', not both or neither")
        return self


class ReplayAccepted(BaseModel):
    id: str
    status: str
    conversations: int
    url: str


class Progress(BaseModel):
    done: int
    total: int


class ReplayView(BaseModel):
    """A replay: its state, the action-diff summary so far, and each replayed conversation's diff."""

    id: str
    status: str = Field(description="queued | running | done | failed")
    candidate: dict[str, Any]
    progress: Progress
    summary: ReplaySummary
    conversations: list[ConversationDiff]
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ReplayListItem(BaseModel):
    id: str
    status: str
    candidate: str
    conversations: int
    created_at: datetime
    finished_at: datetime | None


class ReplayList(BaseModel):
    items: list[ReplayListItem]
