"""Request and response models of the public conversation API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from libs.platform.http import exactly_one_of


class StartConversation(BaseModel):
    """Open a conversation. Both fields are optional."""

    model_config = ConfigDict(extra="forbid")
    channel: str = Field(default="api", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    customer_id: str | None = Field(default=None, min_length=1, max_length=200)


class PostMessage(BaseModel):
    """A customer message."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)
    client_message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The channel's own id of this message: a retry with the same id is the same message (the "
        "first one's answer, appended once), however long after.",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class ConversationCreated(BaseModel):
    id: str
    status: str
    position: int


class MessageAccepted(BaseModel):
    conversation_id: str
    message_id: str
    event_id: str
    position: int


class TranscriptLine(BaseModel):
    position: int
    event_id: str
    role: str
    text: str
    at: datetime


class ConversationView(BaseModel):
    id: str
    status: str
    channel: str
    customer_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    transcript: list[TranscriptLine]


class ConversationSummary(BaseModel):
    id: str
    status: str
    channel: str
    customer_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ConversationList(BaseModel):
    items: list[ConversationSummary]


class EventPage(BaseModel):
    conversation_id: str
    version: int
    events: list[dict[str, Any]]


class ReplayResult(BaseModel):
    conversation_id: str
    events: int
    version: int
    matches: bool
    stored_entries: int
    differences: list[str]
    transcript: list[TranscriptLine]


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")
ORIGIN_IN = r"^ *(\*|[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)/* *$"
"""An origin as it may be sent (case and a trailing slash do not matter): what the contract states of each."""


class NewWidgetKey(BaseModel):
    """A public web chat key. ``allowed_origins``: the sites that may embed the widget, e.g.
    ``https://shop.example.com`` (scheme, host, optional port), or ``*`` for any."""

    model_config = ConfigDict(extra="forbid")
    allowed_origins: list[Annotated[str, Field(pattern=ORIGIN_IN)]] = Field(min_length=1, max_length=50)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for origin in value:
            normal = origin.strip().rstrip("/").lower()
            if normal != "*" and not _ORIGIN.match(normal):
                raise ValueError(f"{origin!r} is not an origin like https://shop.example.com")
            out.append(normal)
        return out


class CreatedWidgetKey(BaseModel):
    key_id: str
    widget_key: str = Field(description="public (embedded in web pages); only its SHA-256 digest is stored")
    key_prefix: str = Field(description="the key's first characters, as the key list shows them")
    allowed_origins: list[str]
    created_at: datetime


class WidgetKeySummary(BaseModel):
    """A widget key as listed: never the key itself, only its id and first characters."""

    key_id: str
    key_prefix: str | None = Field(description="the key's first characters (null for keys made before prefixes)")
    allowed_origins: list[str]
    created_at: datetime
    revoked_at: datetime | None


class WidgetKeyList(BaseModel):
    items: list[WidgetKeySummary]


class OpenChat(BaseModel):
    """Open a web chat conversation; ``customer_id`` is optional."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str | None = Field(default=None, min_length=1, max_length=200)


class ChatOpened(BaseModel):
    conversation_id: str
    client_token: str = Field(description="shown once; the widget presents it for every use of this conversation")
    position: int


class ChatHistory(BaseModel):
    conversation_id: str
    version: int
    events: list[dict[str, Any]]


class CsatAnswer(BaseModel):
    """The customer's rating of the help they got."""

    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class PrivacySubject(BaseModel):
    """Whom a data-subject request is about: exactly one of ``customer_id``, ``email`` or ``conversation_ids``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=exactly_one_of("customer_id", "email", "conversation_ids")
    )
    customer_id: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, min_length=3, max_length=320)
    conversation_ids: list[str] | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _exactly_one(self) -> PrivacySubject:
        given = [f for f in (self.customer_id, self.email, self.conversation_ids) if f]
        if len(given) != 1:
            raise ValueError("name exactly one of customer_id, email or conversation_ids")
        return self


class PrivacyAccepted(BaseModel):
    """A data-subject request was accepted; follow it at ``status_url``."""

    id: str
    conversations: int
    status_url: str


class PrivacyStatus(BaseModel):
    """A data-subject request: ``completed`` once every service answered, with each service's answer."""

    id: str
    status: str
    requested_at: str
    requested_by: str
    conversations: list[str]
    services: dict[str, dict[str, Any]]
    bundle: dict[str, Any] | None = Field(
        default=None, description="exports: the machine-readable bundle (schema deskpilot.privacy-export/v1)"
    )


class RetentionPolicy(BaseModel):
    """How long this tenant's conversations are kept: ``days`` after their last activity they are erased as an
    erasure request erases them (keys destroyed, every service redacts); ``null`` keeps them until erased."""

    model_config = ConfigDict(extra="forbid")
    days: int | None = Field(..., ge=1, le=36_500, description="days after the last activity; null: no limit")
