"""Tenant-wide events: tenants and the tool catalog each service publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.events.catalog.base import EventPayload, RiskClass, Scope


class TenantCreated(EventPayload):
    """A tenant was created; services keep their own copy of its API-key digest to authenticate requests."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("launcher",)
    type: Literal["tenant.created"] = "tenant.created"
    name: str
    api_key_sha256: str = Field(description="hex SHA-256 of the tenant's API key; the key itself is never stored")
    api_key_prefix: str = Field(description="first characters of the key, to tell keys apart in listings")


ApiKeyRole = Literal["owner", "admin", "agent"]


class ApiKeyIssued(EventPayload):
    """A tenant API key was issued (by an owner, or for a human agent's sign-in); every service accepts it, within
    its role, until it is revoked or expires."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["api_key.issued"] = "api_key.issued"
    key_id: str
    api_key_sha256: str = Field(description="hex SHA-256 of the key; the key itself is never stored or sent")
    api_key_prefix: str = Field(description="first characters of the key, to tell keys apart in listings")
    role: ApiKeyRole = Field(
        description="owner and admin: the tenant's whole API; agent: a human agent's sign-in, accepted only by the "
        "routes a human agent needs (reading a conversation and its log, deciding approvals, the inbox)"
    )
    expires_at: datetime | None = Field(default=None, description="when the key stops working (sign-in sessions)")


class ApiKeyRevoked(EventPayload):
    """A tenant API key was revoked (deleted, rotated, or its sign-in session ended); services refuse it from now on."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("ticketing",)
    type: Literal["api_key.revoked"] = "api_key.revoked"
    key_id: str = Field(description="the issued key's id; 'original': the key the tenant was created with")


class ToolSpec(BaseModel):
    """A tool the agent may call: name, description, JSON-schema input, risk class, and the owning service."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str
    input_schema: dict[str, Any]
    risk: RiskClass = "read"
    service: str = Field(description="the service that executes it and answers tool.requested for it")
    integration: str | None = None
    annotations: dict[str, Any] = Field(
        default_factory=dict,
        description="behaviour hints as the tool's source declares them, unchanged (MCP: readOnlyHint, "
        "destructiveHint, idempotentHint, openWorldHint, title)",
    )


class ToolsPublished(EventPayload):
    """A service published the complete set of tools it offers to a tenant's agent (replaces its previous set)."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations", "knowledge")
    type: Literal["tools.published"] = "tools.published"
    service: str
    tools: tuple[ToolSpec, ...]
