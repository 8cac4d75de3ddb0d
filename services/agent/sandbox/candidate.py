"""A candidate: the agent a tenant considers switching to — any combination of provider and model, persona and
instructions (the tenant's part of the system prompt), tool descriptions and catalog, policy and limits.

Everything a candidate leaves out is the base's (the tenant's live setup for a replay, the suite's for a simulation).
Its schema is documented in docs/replay.md; a file is YAML or JSON (``load_candidate``), an API body the same object.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from libs.events import ToolSpec
from libs.pricing import UnknownPrice, price_for
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers import ChatModel, ModelChoice, ModelConfigurationError, select_model
from services.agent.providers.selection import ProviderName
from services.agent.sandbox.documents import InvalidDocument, Problem, load, problems_of

WHAT = "candidate"


class CandidateModel(BaseModel):
    """The model the candidate runs on. Keys stay the operator's unless ``api_key_env`` names another variable."""

    model_config = ConfigDict(extra="forbid")
    provider: ProviderName
    model: str | None = Field(default=None, max_length=200, description="default: the provider's default model")
    base_url: str | None = Field(
        default=None, max_length=500, description="an Anthropic- or OpenAI-compatible server, e.g. http://host:8000/v1"
    )
    api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]{0,99}$",
        description="the environment variable (of the process running the replay) holding the key to use",
    )


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


@dataclass(frozen=True)
class PreparedCandidate:
    """A candidate made concrete over a base setup: the model to call, the tools and policy to decide with."""

    name: str
    model: ChatModel
    tools: list[ToolSpec]
    policy: AgentPolicy
    owns_model: bool  # built for this run (close it after); else the service's own model

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
        Problem(f"tools.{where}", f"there is no tool {name!r} in the catalog (tools: {', '.join(sorted(known))})")
        for where, names in (("descriptions", list(changes.descriptions)), ("disabled", changes.disabled))
        for name in names
        if name not in known
    ]
    clashes = [t.name for t in changes.added if t.name in {t.name for t in base}]
    problems += [Problem("tools.added", f"{name!r} is already in the catalog") for name in clashes]
    if problems:
        raise InvalidDocument(WHAT, problems)
    kept = [t for t in base if t.name not in set(changes.disabled)]
    return [
        t.model_copy(update={"description": changes.descriptions[t.name]}) if t.name in changes.descriptions else t
        for t in kept
    ] + list(changes.added)


async def _check_public(url: str) -> None:
    """An API caller may not point the agent service at its own network (the same rule as crawls and MCP)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError as exc:
        raise InvalidDocument(WHAT, [Problem("model.base_url", f"cannot resolve {host!r}: {exc}")]) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise InvalidDocument(WHAT, [Problem("model.base_url", f"{host} is a private or loopback address")])


def _settings_for(choice: CandidateModel, settings: AgentSettings) -> AgentSettings:
    update: dict[str, Any] = {}
    if choice.api_key_env is not None:
        key = os.environ.get(choice.api_key_env)
        if not key:
            problem = Problem("model.api_key_env", f"{choice.api_key_env} is not set where the replay runs")
            raise InvalidDocument(WHAT, [problem])
        update[{"anthropic": "anthropic_api_key", "openai": "openai_api_key"}.get(
            choice.provider, "openai_compatible_api_key"
        )] = SecretStr(key)  # fmt: skip
    if choice.base_url is not None:
        update[{"anthropic": "anthropic_base_url", "openai": "openai_base_url"}.get(
            choice.provider, "openai_compatible_base_url"
        )] = choice.base_url  # fmt: skip
    return settings.model_copy(update=update)


async def build_model(choice: CandidateModel, settings: AgentSettings, *, allow_private_urls: bool) -> ChatModel:
    """The candidate's model, built like the live one (same SDKs, retries and timeouts)."""
    if choice.base_url is not None:
        if urlsplit(choice.base_url).scheme not in ("http", "https"):
            raise InvalidDocument(WHAT, [Problem("model.base_url", "must be an http:// or https:// URL")])
        if not allow_private_urls:
            await _check_public(choice.base_url)
    try:
        model = select_model(_settings_for(choice, settings), ModelChoice(choice.provider, choice.model))
    except ModelConfigurationError as exc:
        raise InvalidDocument(WHAT, [Problem("model", str(exc))]) from exc
    try:
        # Its calls are costed like live ones: refuse a model the price table cannot price.
        price_for(model.provider, model.model, datetime.now(UTC).date())
    except UnknownPrice as exc:
        close = getattr(model, "aclose", None)
        if close is not None:
            await close()
        raise InvalidDocument(WHAT, [Problem("model.model", f"{exc}: its cost could not be computed")]) from exc
    return model


async def prepare(
    candidate: Candidate,
    base: tuple[list[ToolSpec], AgentPolicy],
    live_model: ChatModel,
    settings: AgentSettings,
    *,
    allow_private_urls: bool,
) -> PreparedCandidate:
    """``candidate`` over ``base`` (tools, policy); the service's ``live_model`` unless it names its own."""
    tools = candidate_tools(candidate.tools, base[0])
    policy = candidate_policy(candidate, base[1])
    if candidate.model is None:
        return PreparedCandidate(candidate.name, live_model, tools, policy, owns_model=False)
    model = await build_model(candidate.model, settings, allow_private_urls=allow_private_urls)
    return PreparedCandidate(candidate.name, model, tools, policy, owns_model=True)
