"""Request and response models of the releases API."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from libs.platform.documents import SUITE_FORMAT, document_text
from libs.platform.http import json_integer, json_number
from services.agent.releases.config import ReleaseConfig
from services.agent.releases.figures import ReleaseFigures
from services.agent.releases.gate import GateProgress, GateReport

By = Field(default="api", min_length=1, max_length=200, description="who does it (an agent id or e-mail), recorded")


class PublishRequest(BaseModel):
    """Publish the draft as the next release, through the gate."""

    model_config = ConfigDict(extra="forbid")
    notes: str = Field(default="", max_length=2000, description="what changed, in words")
    suites: list[Annotated[str, document_text(SUITE_FORMAT)]] = Field(
        default_factory=list, max_length=20, description="simulation suites (YAML or JSON text) the draft runs"
    )
    by: str = By


class GateRequest(BaseModel):
    """Run the gate on the draft without publishing."""

    model_config = ConfigDict(extra="forbid")
    suites: list[Annotated[str, document_text(SUITE_FORMAT)]] = Field(
        default_factory=list, max_length=20, description="simulation suites (YAML or JSON text) the draft runs"
    )


def _hundredths(share: Decimal) -> Decimal:
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


Share = Annotated[
    Decimal,
    Field(ge=0, le=100),
    BeforeValidator(json_number),
    AfterValidator(_hundredths),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
"""A share of new conversations: a JSON number, 0-100 %, kept to hundredths of a percent (rounded half to even), so
that every number the contract allows is taken (a third decimal place was refused with 422)."""


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: Share = Field(description="% of new conversations, 0-100 (to hundredths: 12.345 is 12.34)")
    by: str = By


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = By


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(json_integer)] | None = Field(
        default=None, description="an earlier release; omitted: stop the rollout"
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


class GateRunView(BaseModel):
    """A publish gate run (``POST /v1/agent/releases`` publishes through one, ``POST /v1/agent/releases/gate`` only
    gates): its progress, then its verdict — ``passed`` (and, publishing, the ``release`` made), ``blocked`` (the
    ``reasons``), or ``failed`` (``error`` says why; nothing was released)."""

    id: str
    url: str = Field(description="where to follow it: GET this until status is passed, blocked or failed")
    status: Literal["queued", "running", "passed", "blocked", "failed"]
    publish: bool = Field(description="a passing gate publishes the draft it ran on")
    notes: str
    by: str
    progress: GateProgress
    draft: ReleaseConfig = Field(description="the draft as it was when the gate was asked for: what it gates")
    gate: GateReport | None = Field(description="the gate's report, once it has one")
    reasons: list[str] = Field(description="why the gate blocks (empty unless blocked)")
    release: ReleaseView | None = Field(description="the release this run published, once it has")
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class GateRunList(BaseModel):
    items: list[GateRunView]
