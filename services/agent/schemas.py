"""Request and response models of the agent API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CatalogTool(BaseModel):
    name: str
    description: str
    service: str
    risk: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any] = {}


class Catalog(BaseModel):
    provider: str
    model: str
    tools: list[CatalogTool]


class ApprovalDecision(BaseModel):
    """A human's decision on a tool call that waits for approval."""

    model_config = ConfigDict(extra="forbid")
    approved: bool
    decided_by: str = Field(min_length=1, max_length=200, description="who decided (an agent id or e-mail)")
    note: str = Field(default="", max_length=2000)


class PendingApproval(BaseModel):
    tool_call_id: str
    tool: str
    arguments: dict[str, Any]
    rule: str


class PendingApprovals(BaseModel):
    conversation_id: str
    items: list[PendingApproval]


class ModelOptionInfo(BaseModel):
    provider: str
    available: bool = Field(description="the operator configured it (its key or server)")
    reason: str | None = Field(description="why not, when not available")
    default_model: str | None
    models: list[str] = Field(
        description="its models with a price (another model of an OpenAI-compatible server is priced by the '*' entry)"
    )


class OperatorModel(BaseModel):
    provider: str
    model: str


class ModelOptions(BaseModel):
    items: list[ModelOptionInfo]
    operator: OperatorModel = Field(description="the model a tenant without a choice runs on")
