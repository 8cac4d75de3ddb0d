"""What a release fixes about a tenant's agent, and how one becomes the setup a conversation runs under."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.events import ToolSpec
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure, compile_procedure
from services.agent.procedures.document import ProcedureDocument
from services.agent.sandbox.candidate import Candidate, ToolChanges

COLLECTION_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class KnowledgeScope(BaseModel):
    """The knowledge collections the agent may search and read: its knowledge tool calls carry them and the
    knowledge service answers from nothing else."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    collections: tuple[Annotated[str, Field(pattern=COLLECTION_ID)], ...] | None = Field(
        default=None,
        max_length=100,
        description="collection ids (from /v1/knowledge/collections); none: the whole knowledge base; []: none of "
        "it. An id the knowledge base does not have matches no article.",
    )

    @field_validator("collections")
    @classmethod
    def _sorted(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return tuple(sorted(set(value))) if value is not None else None


class ReleaseConfig(BaseModel):
    """A tenant's whole agent configuration: model, persona and instructions, limits and approval rules (the
    policy), procedures, changes to the tool catalog (descriptions, disabled tools) and the knowledge scope."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: str = Field(description="the model provider the agent service ran when this was drafted")
    model: str = Field(description="the model the agent service ran when this was drafted")
    policy: AgentPolicy = AgentPolicy()
    procedures: tuple[dict[str, Any], ...] = Field(default=(), description="procedure documents, as validated")
    tools: ToolChanges = ToolChanges()
    knowledge: KnowledgeScope = KnowledgeScope()

    def compiled(self) -> tuple[Procedure, ...]:
        return tuple(compile_procedure(ProcedureDocument.model_validate(d)) for d in self.procedures)

    def as_candidate(self, name: str) -> Candidate:
        """The release as a replay or simulation candidate (over the tenant's live catalog)."""
        return Candidate(
            name=name,
            policy=self.policy.model_dump(mode="json"),
            tools=self.tools,
            procedures=[dict(d) for d in self.procedures],
            knowledge=list(self.knowledge.collections) if self.knowledge.collections is not None else None,
        )


def tools_of(changes: ToolChanges, catalog: Sequence[ToolSpec]) -> list[ToolSpec]:
    """The live catalog with a release's changes; a change naming a tool the catalog no longer has is moot."""
    disabled = set(changes.disabled)
    kept = [
        t.model_copy(update={"description": changes.descriptions[t.name]}) if t.name in changes.descriptions else t
        for t in catalog
        if t.name not in disabled
    ]
    names = {t.name for t in kept}
    return kept + [t for t in changes.added if t.name not in names]


BUCKETS = 10_000


def bucket(tenant_id: str, conversation_id: str) -> int:
    """A conversation's place in 0..9999, the same every time (the rollout share is a range of these)."""
    digest = hashlib.sha256(f"{tenant_id}:{conversation_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign(stable: int, canary: int | None, share: Decimal, tenant_id: str, conversation_id: str) -> int:
    """The release a new conversation runs under: ``canary`` for ``share`` % of conversations, else ``stable``."""
    if canary is None or share <= 0:
        return stable
    return canary if bucket(tenant_id, conversation_id) < share * BUCKETS / 100 else stable
