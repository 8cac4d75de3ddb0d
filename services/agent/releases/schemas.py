"""Request and response models of the releases API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.agent.releases.config import ReleaseConfig
from services.agent.releases.figures import ReleaseFigures
from services.agent.releases.gate import GateReport

By = Field(default="api", min_length=1, max_length=200, description="who does it (an agent id or e-mail), recorded")


class PublishRequest(BaseModel):
    """Publish the draft as the next release, through the gate."""

    model_config = ConfigDict(extra="forbid")
    notes: str = Field(default="", max_length=2000, description="what changed, in words")
    suites: list[str | dict[str, Any]] = Field(
        default_factory=list, max_length=20, description="simulation suites (YAML/JSON text or objects) the draft runs"
    )
    by: str = By


class GateRequest(BaseModel):
    """Run the gate on the draft without publishing."""

    model_config = ConfigDict(extra="forbid")
    suites: list[str | dict[str, Any]] = Field(default_factory=list, max_length=20)


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: Decimal = Field(ge=0, le=100, decimal_places=2, description="% of new conversations, 0-100")
    by: str = By


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = By


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="an earlier release; omitted: stop the rollout"
    )
    by: str = By


class ReleaseSummary(BaseModel):
    number: int
    notes: str
    published_by: str
    published_at: datetime
    role: Literal["stable", "rollout", "idle"] = Field(description="what the release serves of new conversations")
    share: Decimal = Field(description="% of new conversations it takes")
    gate: GateReport | None
    figures: ReleaseFigures | None = Field(default=None, description="what its conversations came to so far")


class ReleaseView(ReleaseSummary):
    config: ReleaseConfig


class ReleaseAction(BaseModel):
    action: str = Field(description="publish | rollout | promote | rollback")
    release: int | None
    share: Decimal | None
    by: str
    at: datetime


class RolloutView(BaseModel):
    stable: int
    rollout: int | None = Field(description="the release taking a share of new conversations, if any")
    share: Decimal
    updated_at: datetime
    history: list[ReleaseAction] = Field(description="every change of what serves new conversations, newest first")


class ReleaseList(BaseModel):
    items: list[ReleaseSummary]
    rollout: RolloutView | None


class Published(BaseModel):
    release: ReleaseView
    gate: GateReport


class GateResult(BaseModel):
    draft: ReleaseConfig
    gate: GateReport
