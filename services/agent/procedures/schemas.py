"""Request and response models of the procedures API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.platform.http import exactly_one_of


class ProcedureInput(BaseModel):
    """A procedure to save: its text (YAML or JSON; problems are named by line and field) or the object itself."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=exactly_one_of("source", "document"))
    source: str | None = Field(default=None, max_length=100_000, description="the document as YAML or JSON text")
    document: dict[str, Any] | None = Field(default=None, description="the document as an object")

    @model_validator(mode="after")
    def _one(self) -> ProcedureInput:
        if (self.source is None) == (self.document is None):
            raise ValueError("send exactly one of `source` (YAML or JSON text) and `document` (an object)")
        return self


class ProcedureSummary(BaseModel):
    name: str
    version: int
    enabled: bool
    applies_when: str
    keywords: list[str]
    tools: list[str]
    guarded_tools: list[str] = Field(description="the tools this procedure's guards hold, on every call")
    updated_at: datetime


class ProcedureView(ProcedureSummary):
    source: str = Field(description="the document as it was written")
    document: dict[str, Any] = Field(description="the document as validated (defaults filled in)")
    created_at: datetime


class ProcedureList(BaseModel):
    items: list[ProcedureSummary]


class DocumentProblem(BaseModel):
    field: str = Field(description="dotted path of the field, e.g. guards[0].preconditions[1].check")
    line: int | None = Field(description="the line in the source text, when it came as text")
    message: str


class ProcedureCheck(BaseModel):
    """What ``POST /v1/agent/procedures/check`` found: nothing is saved."""

    valid: bool
    problems: list[DocumentProblem]
