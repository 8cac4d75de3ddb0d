"""Sandbox tool calls: a replay asks the service that owns a tool what the call *would* return, without doing it.

A replay of a recorded conversation against a candidate agent answers a tool call from the recording when the
recording has the same call (same tool, same arguments). Any other call goes to the owning service's dry-run path,
over core NATS request/reply on ``dp.sandbox.<service>.tools`` (queue group ``<service>-sandbox``; not part of the
event log, nothing is stored or published): reads run as they would in dry-run mode, writes are only described
(``dry_run: true``) and never executed, nothing is audited or journalled, and the service's transaction is rolled
back. No responder (the service is down, or does not answer sandbox calls) means the replay says "unrecorded".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.events.subjects import SANDBOX_PREFIX, _token


def sandbox_tools_subject(service: str) -> str:
    """Where ``service`` answers sandbox tool calls."""
    return f"{SANDBOX_PREFIX}.{_token(service, 'service name')}.tools"


def sandbox_queue(service: str) -> str:
    """The queue group of ``service``'s replicas: one of them answers each call."""
    return f"{service}-sandbox"


class SandboxToolCall(BaseModel):
    """One tool call to answer without side effects, for a tenant's replay."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tenant_id: str
    conversation_id: str
    tool: str
    arguments: dict[str, Any]
    end_user: str | None = None
    knowledge_collections: tuple[str, ...] | None = Field(
        default=None, description="a knowledge tool reads only these collections (the release's scope); none: all"
    )


class SandboxToolAnswer(BaseModel):
    """What the call would have returned: a result (``dry_run`` when a write was only described) or a failure."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    status: Literal["completed", "failed"]
    result: dict[str, Any] = Field(default_factory=dict)
    kind: str = Field(default="", description="a tool.failed kind, when status is 'failed'")
    message: str = ""
    dry_run: bool = True
    latency_ms: float = Field(default=0, ge=0)
