"""Upcasters: stored events are never rewritten; old schema versions are turned into the current one on read.

An upcaster takes the raw stored payload of ``(type, version)`` and returns the payload of ``version + 1``. The
chain runs before validation, so every reader sees only current shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libs.events.catalog import EVENT_TYPES

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownSchemaVersion(ValueError):
    """An event carries a schema version that no upcaster chain leads from, or one newer than this code knows."""


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns ``event_type`` v``from_version`` into v``from_version + 1``."""

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register


def upcast(event_type: str, version: int, payload: Payload) -> tuple[int, Payload]:
    """Run the chain from ``version`` to the current version of ``event_type``."""
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise UnknownSchemaVersion(f"unknown event type {event_type!r}")
    current = cls.SCHEMA_VERSION
    if version > current:
        raise UnknownSchemaVersion(f"{event_type} v{version} is newer than this code's v{current}")
    while version < current:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise UnknownSchemaVersion(f"no upcaster for {event_type} v{version}")
        payload = step(payload)
        version += 1
    return version, payload


@upcaster("llm.called", 1)
def _llm_called_v1_to_v2(payload: Payload) -> Payload:
    """v1 counted ``tokens_in`` / ``tokens_out`` and knew nothing of prompt caching or stop reasons.

    v2 names usage as the providers do (``input_tokens`` / ``output_tokens``), adds cache reads and writes (which
    v1 could not have had, so 0), and records the stop reason (unknown for v1).
    """
    out = {k: v for k, v in payload.items() if k not in ("tokens_in", "tokens_out")}
    out["input_tokens"] = payload["tokens_in"]
    out["output_tokens"] = payload["tokens_out"]
    out.setdefault("cache_read_tokens", 0)
    out.setdefault("cache_write_tokens", 0)
    out.setdefault("stop_reason", "unknown")
    return out


@upcaster("llm.called", 2)
def _llm_called_v2_to_v3(payload: Payload) -> Payload:
    """v2 did not say which agent release its conversation ran under: unknown (the figures look it up)."""
    return {**payload, "release": "unknown"}


@upcaster("agent.turn_started", 1)
def _turn_started_v1_to_v2(payload: Payload) -> Payload:
    """v1 predates agent releases: its turn ran under none."""
    return {**payload, "release": None}


@upcaster("tool.requested", 1)
def _tool_requested_v1_to_v2(payload: Payload) -> Payload:
    """v1 predates knowledge scopes in agent releases: a knowledge call could read the whole knowledge base."""
    return {**payload, "knowledge_collections": None}
