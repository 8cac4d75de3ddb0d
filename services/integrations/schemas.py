"""Response models of the integrations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class IntegrationInfo(BaseModel):
    name: str
    title: str
    description: str
    auth: str
    connected: bool
    status: str | None
    mode: str | None
    tools: list[str]


class IntegrationList(BaseModel):
    items: list[IntegrationInfo]


class AuditEntry(BaseModel):
    conversation_id: str
    integration: str
    tool: str
    tool_call_id: str
    request: dict[str, Any]
    response: dict[str, Any]
    status: str
    dry_run: bool
    latency_ms: float
    at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntry]
