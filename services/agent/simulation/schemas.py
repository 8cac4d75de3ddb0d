"""Request and response models of the simulation API (``/v1/simulations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from libs.platform.documents import SUITE_FORMAT, document_text
from services.agent.sandbox.candidate_request import CandidateRequest
from services.agent.simulation.report import SuiteReport
from services.agent.simulation.suite import NAME


class SimulationRequest(BaseModel):
    """Run a suite (docs/simulation.md) ``trials`` times per task, optionally against a candidate. ``suite``: the
    suite's YAML or JSON text (a suite object from ``POST /v1/simulations/suites``, sent as JSON text)."""

    model_config = ConfigDict(extra="forbid")
    suite: str = document_text(SUITE_FORMAT)
    candidate: CandidateRequest | None = None
    trials: int = Field(default=1, ge=1, le=20)


class SimulationAccepted(BaseModel):
    id: str
    status: str
    tasks: int
    trials: int
    url: str


class SimulationProgress(BaseModel):
    done: int
    total: int


class SimulationView(BaseModel):
    """A simulation: its state and, once done, the report (pass^k per task and overall, every trial's failures)."""

    id: str
    status: str = Field(description="queued | running | done | failed")
    suite: str
    candidate: dict[str, Any] | None
    trials: int
    progress: SimulationProgress
    passed: bool | None = Field(description="every trial of every task passed (None until done)")
    report: SuiteReport | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class SimulationListItem(BaseModel):
    id: str
    status: str = Field(description="queued | running | done | failed")
    suite: str
    trials: int
    progress: SimulationProgress
    passed: bool | None = Field(description="every trial of every task passed (None until done)")
    pass_1: float | None = Field(description="the suite's pass^1, the mean success rate (None until done)")
    model: str | None = Field(description="provider/model the agent ran on (None until done)")
    created_at: datetime
    finished_at: datetime | None


class SimulationList(BaseModel):
    items: list[SimulationListItem]


class SuiteFromConversations(BaseModel):
    """Turn recorded conversations of this tenant into a suite (their recorded actions are the expected end state)."""

    model_config = ConfigDict(extra="forbid")
    conversations: list[str] = Field(min_length=1, max_length=500)
    name: str = Field(default="from-production", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class StoredSuiteRequest(BaseModel):
    """A suite to keep as the tenant's (``PUT /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
    its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the suite's own name)."""

    model_config = ConfigDict(extra="forbid")
    source: str = document_text(SUITE_FORMAT)


class StoredSuiteSummary(BaseModel):
    name: str = Field(pattern=NAME, description="the name it is stored under (the path's)")
    suite: str = Field(description="the suite's own name (its `suite` field), as reports name it")
    description: str
    tasks: int = Field(description="how many tasks it has")
    created_at: datetime
    updated_at: datetime


class StoredSuiteView(StoredSuiteSummary):
    """A stored suite, with its text as saved."""

    source: str = Field(description="the suite's YAML or JSON text, as saved")


class StoredSuiteList(BaseModel):
    items: list[StoredSuiteSummary]
