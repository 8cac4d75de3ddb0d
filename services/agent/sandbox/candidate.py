"""A candidate: the agent a tenant considers switching to — any combination of provider and model, persona and
instructions (the tenant's part of the system prompt), tool descriptions and catalog, policy and limits.

Everything a candidate leaves out is the base's (the tenant's live setup for a replay, the suite's for a simulation).
Its schema is documented in docs/replay.md; a file is YAML or JSON (``load_candidate``), an API body the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from libs.events import ToolSpec
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure, compile_procedure, load_procedure
from services.agent.providers import ChatModel
from services.agent.sandbox.documents import InvalidDocument, Problem, load, problems_of
from services.agent.sandbox.model_choice import OPERATOR, WHAT, Caller, CandidateModel, build_model, tenant_caller

__all__ = [
    "OPERATOR",
    "Caller",
    "Candidate",
    "CandidateModel",
    "PreparedCandidate",
    "ToolChanges",
    "build_model",
    "candidate_policy",
    "candidate_tools",
    "load_candidate",
    "prepare",
    "tenant_caller",
]


class ToolChanges(BaseModel):
    """Changes to the tool catalog the agent sees."""

    model_config = ConfigDict(extra="forbid")
    descriptions: dict[str, str] = Field(default_factory=dict, description="tool name → its new description")
    disabled: list[str] = Field(default_factory=list, description="tools the candidate does not offer the model")
    added: list[ToolSpec] = Field(default_factory=list, description="tools the candidate adds (complete specs)")


class Candidate(BaseModel):
    """What to run instead of the base setup; every field is optional."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="candidate", min_length=1, max_length=100)
    model: CandidateModel | None = None
    policy: dict[str, Any] = Field(
        default_factory=dict,
        description="agent policy fields to change (persona, instructions, limits, approval_rules, …), merged over "
        "the base policy: a mapping replaces only the keys it names, anything else replaces the whole value",
    )
    tools: ToolChanges = ToolChanges()
    procedures: list[str | dict[str, Any]] | None = Field(
        default=None,
        description="procedures (docs/procedures.md; YAML or JSON texts, or mappings in a file) that replace the "
        "base's; omitted: the base's",
    )
    knowledge: list[str] | None = Field(
        default=None,
        max_length=100,
        description="the knowledge collections the candidate may search (its knowledge scope); omitted: the base's",
    )

    def stored(self) -> dict[str, Any]:
        """As kept with a run's results: what was asked for, never a key."""
        return self.model_dump(mode="json", exclude_defaults=True, exclude={"model": {"api_key"}})


@dataclass(frozen=True)
class PreparedCandidate:
    """A candidate made concrete over a base setup: the model to call, the tools and policy to decide with."""

    name: str
    model: ChatModel
    tools: list[ToolSpec]
    policy: AgentPolicy
    owns_model: bool  # built for this run (close it after); else the service's own model
    procedures: tuple[Procedure, ...] = ()
    knowledge: tuple[str, ...] | None = None  # the collections its knowledge calls may read (None: all)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.model.provider}/{self.model.model})"

    async def close(self) -> None:
        close = getattr(self.model, "aclose", None)
        if self.owns_model and close is not None:
            await close()


def load_candidate(text: str) -> Candidate:
    """A candidate from YAML or JSON text; problems are named by line and field."""
    return load(Candidate, text, WHAT)


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def candidate_policy(candidate: Candidate, base: AgentPolicy) -> AgentPolicy:
    try:
        return AgentPolicy.model_validate(_merge(base.model_dump(mode="json"), candidate.policy))
    except ValidationError as exc:
        raise InvalidDocument(WHAT, problems_of(exc, at=("policy",))) from exc


def candidate_tools(changes: ToolChanges, base: list[ToolSpec], known: set[str] | None = None) -> list[ToolSpec]:
    """``base`` with the candidate's changes; a change naming a tool outside ``known`` (default: ``base``'s tools)
    is an error, one naming a tool ``known`` elsewhere (another task's catalog) does not apply here."""
    known = known if known is not None else {t.name for t in base}
    problems = [
        Problem(
            f"tools.{where}", f"there is no tool {name!r} in the catalog (tools: {', '.join(sorted(known))})", held=True
        )
        for where, names in (("descriptions", list(changes.descriptions)), ("disabled", changes.disabled))
        for name in names
        if name not in known
    ]
    clashes = [t.name for t in changes.added if t.name in {t.name for t in base}]
    problems += [Problem("tools.added", f"{name!r} is already in the catalog", held=True) for name in clashes]
    if problems:
        raise InvalidDocument(WHAT, problems)
    kept = [t for t in base if t.name not in set(changes.disabled)]
    return [
        t.model_copy(update={"description": changes.descriptions[t.name]}) if t.name in changes.descriptions else t
        for t in kept
    ] + list(changes.added)


def candidate_procedures(
    candidate: Candidate, tools: list[ToolSpec], base: tuple[Procedure, ...]
) -> tuple[Procedure, ...]:
    """The candidate's procedures (each checked against its tools), or the base's when it names none."""
    if candidate.procedures is None:
        return base
    out: list[Procedure] = []
    problems: list[Problem] = []
    for i, document in enumerate(candidate.procedures):
        try:
            out.append(compile_procedure(load_procedure(document, tools)))
        except InvalidDocument as exc:
            problems += [p.under(f"procedures[{i}]") for p in exc.problems]
    if problems:
        raise InvalidDocument(WHAT, problems)
    return tuple(out)


async def prepare(
    candidate: Candidate,
    base: tuple[list[ToolSpec], AgentPolicy],
    live_model: ChatModel,
    settings: AgentSettings,
    caller: Caller,
    procedures: tuple[Procedure, ...] = (),
    knowledge: tuple[str, ...] | None = None,
) -> PreparedCandidate:
    """``candidate`` over ``base`` (tools, policy), the base's ``procedures`` and ``knowledge`` scope; the service's
    ``live_model`` unless it names its own."""
    tools = candidate_tools(candidate.tools, base[0])
    policy = candidate_policy(candidate, base[1])
    chosen = candidate_procedures(candidate, tools, procedures)
    scope = tuple(sorted(set(candidate.knowledge))) if candidate.knowledge is not None else knowledge
    if candidate.model is None:
        return PreparedCandidate(candidate.name, live_model, tools, policy, False, chosen, scope)
    model = await build_model(candidate.model, settings, caller)
    return PreparedCandidate(candidate.name, model, tools, policy, True, chosen, scope)
