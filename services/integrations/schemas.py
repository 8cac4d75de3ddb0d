"""Response models of the integrations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class IntegrationInfo(BaseModel):
    name: str
    title: str
    description: str
    auth: str
    connected: bool
    status: str | None
    status_reason: str | None = None
    mode: str | None
    scopes: list[str] | None = None
    tools: list[str]


class IntegrationList(BaseModel):
    items: list[IntegrationInfo]


class AuditEntry(BaseModel):
    conversation_id: str
    end_user: str | None
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


class ExternalTicket(BaseModel):
    """A helpdesk ticket as last synced from the provider (Zendesk)."""

    provider: str
    external_id: str
    conversation_id: str | None = Field(description="the conversation whose AI opened it, if any")
    subject: str | None
    status: str | None
    priority: str | None
    external_updated_at: datetime | None = Field(description="time of the newest change applied")
    synced_at: datetime


class ExternalTicketPage(BaseModel):
    items: list[ExternalTicket]


class ConnectStarted(BaseModel):
    authorization_url: str
    state_expires_at: datetime


class Connected(BaseModel):
    integration: str
    connected: bool
    scopes: list[str]


class McpToolInfo(BaseModel):
    name: str = Field(description="the name the agent sees (provider-safe)")
    server_tool: str = Field(description="the tool's name on the MCP server")
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any]


class McpServerInfo(BaseModel):
    name: str
    transport: str
    status: str
    mode: str
    problem: str | None = Field(
        description="why the server could not be reached or its tools listed, when registered or last refreshed: "
        "it offers no tools until it answers (refresh lists them again). null: it answered"
    )
    tools: list[McpToolInfo]


class McpServerList(BaseModel):
    items: list[McpServerInfo]


class ModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["live", "dry_run"] = Field(description="dry_run: read-only tools run, others are only described")
    reads: Literal["live", "simulated"] = Field(
        default="live", description="in dry_run: read-only tools run for real (live) or are simulated too"
    )


class ModeChanged(BaseModel):
    integration: str
    mode: str
    reads: str = "live"


class WebhookSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: SecretStr = Field(description="the provider's signing secret for this tenant's endpoint")

    def __repr__(self) -> str:
        return "WebhookSecret(secret=**********)"


class WebhookEndpoint(BaseModel):
    provider: str
    path: str = Field(description="where the provider must send deliveries (prefix with your public base URL)")


class WebhookAccepted(BaseModel):
    accepted: bool
    duplicate: bool


class ConnectionTested(BaseModel):
    """The outcome of one harmless read at the provider with the stored credentials."""

    integration: str
    ok: bool
    outcome: Literal["ok", "unauthorized", "unreachable", "error", "not_connected"]
    detail: str
    latency_ms: float
    checked_at: datetime
