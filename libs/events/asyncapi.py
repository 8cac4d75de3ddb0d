"""Generates the AsyncAPI 3.0 document of Deskpilot's event stream from the catalog.

    .venv/bin/python -m libs.events.asyncapi > docs/asyncapi.yaml
    .venv/bin/python -m libs.events.asyncapi --json > asyncapi.json     (the same document as JSON)

One channel per event type (its NATS subject, with ``{tenant_id}`` / ``{conversation_id}`` parameters), one
message per event (the envelope with that event's payload, JSON schema from the pydantic models in serialization
mode, i.e. exactly what is on the wire), one ``receive`` operation per channel: a consumer's view of the stream.
Deterministic: same code, same bytes; ``tests/libs/test_asyncapi.py`` fails when docs/asyncapi.yaml is stale.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from libs.events.catalog import EVENT_TYPES, EventPayload
from libs.events.envelope import Actor
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import CONVERSATION_PREFIX, TENANT_PREFIX

REGENERATE = ".venv/bin/python -m libs.events.asyncapi > docs/asyncapi.yaml"
Schema = dict[str, Any]
REF = "#/components/schemas/{model}"


def channel_address(cls: type[EventPayload]) -> str:
    if cls.SCOPE == "conversation":
        route = f".{{{cls.ROUTE}}}" if cls.ROUTE is not None else ""
        return f"{CONVERSATION_PREFIX}.{{tenant_id}}.{{conversation_id}}.{cls.event_type()}{route}"
    return f"{TENANT_PREFIX}.{{tenant_id}}.{cls.event_type()}"


def envelope_schema(cls: type[EventPayload]) -> Schema:
    """The envelope carrying one event type (mirrors :class:`libs.events.envelope.Envelope`)."""
    conversation: Schema = (
        {"type": "string", "description": "the conversation the event belongs to"}
        if cls.SCOPE == "conversation"
        else {"type": "null", "description": "tenant-wide events carry no conversation"}
    )
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "type",
            "schema_version",
            "tenant_id",
            "conversation_id",
            "occurred_at",
            "causation_id",
            "correlation_id",
            "actor",
            "payload",
        ],
        "properties": {
            "id": {"type": "string", "description": "event id (UUIDv7); also the Nats-Msg-Id header"},
            "type": {"const": cls.event_type()},
            "schema_version": {"const": cls.SCHEMA_VERSION},
            "tenant_id": {"type": "string"},
            "conversation_id": conversation,
            "occurred_at": {"type": "string", "format": "date-time"},
            "causation_id": {"type": ["string", "null"], "description": "id of the event that caused this one"},
            "correlation_id": {"type": "string", "description": "id shared by every event of one flow"},
            "actor": {"$ref": REF.format(model="Actor")},
            "payload": {"$ref": REF.format(model=cls.__name__)},
        },
    }


HEADERS: Schema = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {"type": "string", "description": "the event id: server-side deduplication"},
        "Dp-Type": {"type": "string", "description": "the event type"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "tracestate": {"type": "string"},
    },
}


def _message(cls: type[EventPayload]) -> Schema:
    return {
        "name": cls.event_type(),
        "title": cls.__name__,
        "summary": (cls.__doc__ or "").strip().splitlines()[0],
        "contentType": "application/json",
        "headers": HEADERS,
        "payload": {"$ref": REF.format(model=f"{cls.__name__}Envelope")},
        "x-schema-version": cls.SCHEMA_VERSION,
        "x-scope": cls.SCOPE,
        "x-kind": cls.KIND,
        "x-producers": list(cls.PRODUCERS),
    }


def _channel(cls: type[EventPayload]) -> Schema:
    params: Schema = {"tenant_id": {"description": "the tenant"}}
    if cls.SCOPE == "conversation":
        params["conversation_id"] = {"description": "the conversation"}
    if cls.ROUTE is not None:
        params[cls.ROUTE] = {"description": "the service that executes this command (its one consumer)"}
    return {
        "address": channel_address(cls),
        "title": cls.event_type(),
        "summary": (cls.__doc__ or "").strip().splitlines()[0],
        "parameters": params,
        "messages": {cls.__name__: {"$ref": f"#/components/messages/{cls.__name__}"}},
    }


def document() -> dict[str, Any]:
    classes = sorted(EVENT_TYPES.values(), key=lambda c: c.event_type())
    models: list[type[BaseModel]] = [Actor, *classes]
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    schemas: Schema = dict(sorted(defs.get("$defs", {}).items()))
    channels: Schema = {}
    operations: Schema = {}
    messages: Schema = {}
    for cls in classes:
        event_type, name = cls.event_type(), cls.__name__
        schemas[f"{name}Envelope"] = envelope_schema(cls)
        messages[name] = _message(cls)
        channels[event_type] = _channel(cls)
        operations[f"receive_{event_type.replace('.', '_')}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{event_type}"},
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Deskpilot event stream",
            "version": "1",
            "description": (
                f"Every fact Deskpilot's services tell each other, on NATS JetStream stream `{EVENTS_STREAM}`. "
                "Events are append-only and never edited; a changed shape gets a new schema version and old ones "
                "are upcast on read (see docs/events.md). Generated from libs/events by "
                f"`{REGENERATE}`; do not edit. Read-only consumers: see docs/analytics.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "the NATS server of `deskpilot up` (JetStream enabled)",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    return yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(json.dumps(document(), indent=2) + "\n" if "--json" in args else render())


if __name__ == "__main__":
    main()
