"""The envelope every event travels in, and its wire encoding.

Wire format: the envelope as UTF-8 JSON in the message body; the event id as ``Nats-Msg-Id`` (server-side
deduplication); the W3C trace context (``traceparent``/``tracestate``) in headers, never in the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from libs.events.catalog import AnyEvent, EventPayload
from libs.events.ids import uuid7
from libs.events.subjects import conversation_subject, tenant_subject
from libs.events.upcasters import UnknownSchemaVersion, upcast

ActorKind = Literal["customer", "ai", "human", "system"]


class Actor(BaseModel):
    """Who caused the event: a customer, the AI, a human agent, or the system, with their id."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ActorKind
    id: str


SYSTEM = Actor(kind="system", id="deskpilot")


class Envelope(BaseModel):
    """One event: identity, tenant and conversation, time, causality, actor, and the typed payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(
        description="UUIDv7 (UUIDv5 of the client's key for messages posted with an Idempotency-Key); "
        "stable across retries and redeliveries"
    )
    type: str
    schema_version: int
    tenant_id: str
    conversation_id: str | None = None
    occurred_at: datetime
    causation_id: str | None = Field(default=None, description="id of the event that directly caused this one")
    correlation_id: str = Field(description="id shared by every event of one flow (the first event's id)")
    actor: Actor
    payload: AnyEvent

    @model_validator(mode="after")
    def _consistent(self) -> Envelope:
        if self.type != self.payload.type:
            raise ValueError(f"envelope type {self.type!r} does not match payload type {self.payload.type!r}")
        if self.schema_version != self.payload.SCHEMA_VERSION:
            raise ValueError(f"{self.type} must be stored as v{self.payload.SCHEMA_VERSION}")
        scope = self.payload.SCOPE
        if scope == "conversation" and self.conversation_id is None:
            raise ValueError(f"{self.type} belongs to a conversation; conversation_id is required")
        if scope == "tenant" and self.conversation_id is not None:
            raise ValueError(f"{self.type} is tenant-wide; it carries no conversation_id")
        return self

    @classmethod
    def new(
        cls,
        payload: EventPayload,
        *,
        tenant_id: str,
        actor: Actor,
        conversation_id: str | None = None,
        caused_by: Envelope | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        """Wrap a payload. ``caused_by`` sets causation and carries the correlation id forward."""
        eid = event_id or uuid7()
        return cls(
            id=eid,
            type=payload.event_type(),
            schema_version=payload.SCHEMA_VERSION,
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            occurred_at=datetime.now(UTC),
            causation_id=caused_by.id if caused_by else None,
            correlation_id=caused_by.correlation_id if caused_by else eid,
            actor=actor,
            payload=payload,
        )

    @property
    def subject(self) -> str:
        if self.conversation_id is not None:
            return conversation_subject(self.tenant_id, self.conversation_id, self.type, self.payload.route())
        return tenant_subject(self.tenant_id, self.type)

    def encode(self) -> bytes:
        return self.model_dump_json().encode()


class PoisonEvent(ValueError):
    """A message that can never be decoded into a current event (bad JSON, unknown type, invalid fields)."""


def decode(raw: bytes) -> Envelope:
    """Decode a stored or delivered event, upcasting old schema versions first."""
    try:
        data: dict[str, Any] = json.loads(raw)
        if not isinstance(data, dict):
            raise PoisonEvent("an event must be a JSON object")
        event_type = data.get("type")
        version = data.get("schema_version")
        payload = data.get("payload")
        if not isinstance(event_type, str) or not isinstance(version, int) or not isinstance(payload, dict):
            raise PoisonEvent("an event needs 'type' (string), 'schema_version' (integer) and 'payload' (object)")
        new_version, new_payload = upcast(event_type, version, {**payload, "type": event_type})
        data = {**data, "schema_version": new_version, "payload": new_payload}
        return Envelope.model_validate(data)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        if isinstance(exc, PoisonEvent):
            raise
        if isinstance(exc, (ValidationError, UnknownSchemaVersion)):
            raise PoisonEvent(str(exc)) from exc
        raise PoisonEvent(f"undecodable event: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored in the log, with its position (the JetStream stream sequence)."""

    position: int
    event: Envelope

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, **self.event.model_dump(mode="json")}
