"""The subject scheme: every event's NATS subject, declared in one place.

``dp.conv.<tenant>.<conversation>.<event type>``  events of one conversation (its append-only log)
``dp.tenant.<tenant>.<event type>``               tenant-wide facts (tenant created, tool catalog published, …)
``dp.dlq.<consumer>``                             messages a consumer could not process (dead letters)
``dp.stream.<tenant>.<conversation>``             reply text as it streams (core NATS, not stored; see streaming.py)
``dp.widget.<tenant>.<key id>.revoked``           a web chat widget key was revoked: open chats close (core NATS)
``dp.sandbox.<service>.tools``                    a replay's tool calls answered without side effects (core NATS
                                                  request/reply, not stored; see sandbox.py)

Event types contain dots (``tool.completed``), so a type is the two tokens after the conversation (or tenant) id.
A *command* (``tool.requested``) has one more token, the service that must execute it
(``dp.conv.<tenant>.<conversation>.tool.requested.<service>``): it reaches exactly that service's consumer, and no
consumer filters a broadcast by a payload field. Ids are restricted to ``[A-Za-z0-9_-]`` so that they are always
exactly one token.
"""

from __future__ import annotations

from libs.events.ids import is_subject_token

ROOT = "dp"
CONVERSATION_PREFIX = f"{ROOT}.conv"
TENANT_PREFIX = f"{ROOT}.tenant"
DLQ_PREFIX = f"{ROOT}.dlq"
STREAM_PREFIX = f"{ROOT}.stream"
WIDGET_PREFIX = f"{ROOT}.widget"
SANDBOX_PREFIX = f"{ROOT}.sandbox"


def _token(value: str, what: str) -> str:
    if not is_subject_token(value):
        raise ValueError(f"{what} {value!r} is not a valid id: use 1-64 letters, digits, '_' or '-'")
    return value


COMMANDS = frozenset({"tool.requested"})
"""Event types that are commands, routed by a last token (kept in step with the catalog's ``KIND``)."""


def conversation_subject(tenant_id: str, conversation_id: str, event_type: str, route: str | None = None) -> str:
    """The subject of one event in a conversation's log (a command's ends with the service that executes it)."""
    base = f"{conversation_filter(tenant_id, conversation_id)[:-2]}.{event_type}"
    return f"{base}.{_token(route, 'service')}" if route is not None else base


def conversation_type_filter(tenant_id: str, conversation_id: str, event_type: str) -> str:
    """A filter matching the events of one type in one conversation (a command's, whatever its route)."""
    base = conversation_subject(tenant_id, conversation_id, event_type)
    return f"{base}.*" if event_type in COMMANDS else base


def conversation_filter(tenant_id: str, conversation_id: str) -> str:
    """A filter matching every event of one conversation (used for reads and the concurrency check)."""
    return f"{CONVERSATION_PREFIX}.{_token(tenant_id, 'tenant id')}.{_token(conversation_id, 'conversation id')}.>"


def tenant_conversations(tenant_id: str, event_type: str) -> str:
    """A filter matching one event type in every conversation of one tenant (e.g. its resolutions)."""
    return f"{CONVERSATION_PREFIX}.{_token(tenant_id, 'tenant id')}.*.{event_type}"


def tenant_conversations_all(tenant_id: str) -> str:
    """A filter matching every event of every conversation of one tenant (a live feed such as the inbox's)."""
    return f"{CONVERSATION_PREFIX}.{_token(tenant_id, 'tenant id')}.*.>"


def parse_conversation_subject(subject: str) -> tuple[str, str, str] | None:
    """``(tenant id, conversation id, event type)`` of a conversation event's subject, a command's route dropped
    (``dp.conv.t.c.tool.requested.integrations`` → ``("t", "c", "tool.requested")``); ``None`` for any other
    subject."""
    parts = subject.split(".")
    if ".".join(parts[:2]) != CONVERSATION_PREFIX or len(parts) < 6:
        return None
    event_type = ".".join(parts[4:6])
    if len(parts) != (7 if event_type in COMMANDS else 6):
        return None
    return parts[2], parts[3], event_type


def tenant_subject(tenant_id: str, event_type: str) -> str:
    """The subject of a tenant-wide event."""
    return f"{TENANT_PREFIX}.{_token(tenant_id, 'tenant id')}.{event_type}"


def any_conversation(event_type: str) -> str:
    """A filter matching one event type in every tenant's conversations (what service consumers subscribe to)."""
    base = f"{CONVERSATION_PREFIX}.*.*.{event_type}"
    return f"{base}.*" if event_type in COMMANDS else base


def any_command(event_type: str, service: str) -> str:
    """A filter matching the commands of one type routed to ``service``, in every conversation (its consumer's)."""
    return f"{CONVERSATION_PREFIX}.*.*.{event_type}.{_token(service, 'service')}"


def any_tenant(event_type: str) -> str:
    """A filter matching one tenant-wide event type for every tenant."""
    return f"{TENANT_PREFIX}.*.{event_type}"


def dead_letter_subject(consumer: str) -> str:
    """Where a consumer parks a message it cannot process."""
    return f"{DLQ_PREFIX}.{_token(consumer, 'consumer name')}"


def redrive_subject(service: str) -> str:
    """Where a service takes requests to re-drive its dead letters (core NATS request/reply, not part of the log)."""
    return f"{ROOT}.ops.redrive.{_token(service, 'service')}"


def reply_stream_subject(tenant_id: str, conversation_id: str) -> str:
    """Where a conversation's reply text streams while the model writes it (not part of the log)."""
    return f"{STREAM_PREFIX}.{_token(tenant_id, 'tenant id')}.{_token(conversation_id, 'conversation id')}"


def any_reply_stream() -> str:
    """A filter matching every conversation's reply deltas (a process's one subscription for all its chats)."""
    return f"{STREAM_PREFIX}.*.*"


def parse_reply_stream_subject(subject: str) -> tuple[str, str] | None:
    """``(tenant id, conversation id)`` of a ``reply_stream_subject``; ``None`` for any other subject."""
    parts = subject.split(".")
    if len(parts) != STREAM_PREFIX.count(".") + 3 or ".".join(parts[:-2]) != STREAM_PREFIX:
        return None
    return parts[-2], parts[-1]


def widget_key_revoked_subject(tenant_id: str, key_id: str) -> str:
    """Where the conversation service's replicas learn that a widget key was revoked (not part of the log)."""
    return f"{WIDGET_PREFIX}.{_token(tenant_id, 'tenant id')}.{_token(key_id, 'widget key id')}.revoked"
