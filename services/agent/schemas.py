"""Response models of the agent API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class CatalogTool(BaseModel):
    name: str
    description: str
    service: str
    risk: str
    input_schema: dict[str, Any]


class Catalog(BaseModel):
    provider: str
    model: str
    tools: list[CatalogTool]
