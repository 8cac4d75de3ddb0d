"""Integration connections: what happened to a tenant's connected third-party accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Priority, Scope


class IntegrationRevoked(EventPayload):
    """A tenant's connection to an integration stopped working for good (access revoked); its tools are withdrawn."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations",)
    type: Literal["integration.revoked"] = "integration.revoked"
    integration: str
    reason: str = Field(description="why, for the tenant's admins (e.g. 'invalid_grant' from the token endpoint)")


class WebhookReceived(EventPayload):
    """A third-party webhook for a tenant arrived with a valid signature (once per delivery id)."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations",)
    type: Literal["webhook.received"] = "webhook.received"
    provider: Literal["shopify", "stripe", "zendesk", "hubspot"]
    topic: str = Field(description="the provider's event type, e.g. 'orders/create' or 'charge.refunded'")
    delivery_id: str = Field(description="the provider's id of this delivery; redeliveries share it")
    payload: dict[str, Any] = Field(description="the verified JSON body (a HubSpot batch is under 'events')")


class ExternalTicketUpdated(EventPayload):
    """A ticket in a connected helpdesk, linked to this conversation, was opened or changed there (sync)."""

    PRODUCERS: ClassVar[tuple[str, ...]] = ("integrations",)
    type: Literal["external_ticket.updated"] = "external_ticket.updated"
    provider: Literal["zendesk"]
    external_id: str = Field(description="the helpdesk's ticket id")
    change: Literal["created", "status_changed", "priority_changed", "comment_added", "updated"]
    status: str | None = Field(description="the ticket's status there, lower case (new, open, pending, solved, …)")
    priority: Priority | None
    subject: str | None
    occurred_at: datetime = Field(description="when the change happened at the helpdesk")
