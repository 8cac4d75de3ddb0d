"""Data-subject rights: erasure (crypto-shredding) and export, tenant-wide, carrying no personal data.

The conversation service resolves a subject (a customer id, an e-mail address or conversation ids) to
conversations, destroys their keys and asks every service to do its part; each service answers for itself, so the
request's status is known per service and a service that was down answers when it is back.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from libs.events.catalog.base import EventPayload, Scope

PRIVACY_SERVICES = ("conversation", "agent", "integrations", "knowledge", "ticketing", "billing")
"""Every service that holds projections of conversations and answers erasures and exports."""


class PrivacyErasureRequested(EventPayload):
    """A data subject's conversations were erased (their keys destroyed); every service redacts what it holds."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["privacy.erasure_requested"] = "privacy.erasure_requested"
    erasure_id: str
    requested_by: str = Field(description="who asked: 'api' (the tenant's key), 'cli' or 'retention'")
    conversation_ids: tuple[str, ...] = Field(description="the scope: every conversation of the subject")
    subject_digest: str = Field(
        description="sha256 of the salt and the subject as given (customer id or e-mail), never the subject itself"
    )
    salt: str = Field(description="the random salt of subject_digest, hex")


class PrivacyErasureCompleted(EventPayload):
    """A service redacted or deleted what it held about the erased conversations (once per service and erasure)."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = PRIVACY_SERVICES
    type: Literal["privacy.erasure_completed"] = "privacy.erasure_completed"
    erasure_id: str
    service: str
    rows: int = Field(ge=0, description="rows deleted or redacted")


class PrivacyExportRequested(EventPayload):
    """A data subject asked for their data; every service writes its part to the export bucket."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = ("conversation",)
    type: Literal["privacy.export_requested"] = "privacy.export_requested"
    export_id: str
    conversation_ids: tuple[str, ...]
    subject_digest: str
    salt: str


class PrivacyExportPrepared(EventPayload):
    """A service wrote its part of an export (sealed, to the object store bucket ``DP_PRIVACY_EXPORTS``)."""

    SCOPE: ClassVar[Scope] = "tenant"
    PRODUCERS: ClassVar[tuple[str, ...]] = PRIVACY_SERVICES
    type: Literal["privacy.export_prepared"] = "privacy.export_prepared"
    export_id: str
    service: str
    object_name: str
    records: int = Field(ge=0)
