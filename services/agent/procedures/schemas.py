"""Request and response models of the procedures API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from libs.platform.documents import PROCEDURE_FORMAT, document_text


class ProcedureInput(BaseModel):
    """A procedure to save: its text, YAML or JSON (docs/procedures.md); problems are named by line and field."""

    model_config = ConfigDict(extra="forbid")
    source: str = document_text(PROCEDURE_FORMAT)


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
