"""A candidate as the API takes it (``POST /v1/replays``, ``POST /v1/simulations``): the candidate of docs/replay.md,
typed field by field so that the contract states every rule a candidate is checked by. What the request names that
the tenant or the operator does not have (a tool of its catalog, a configured or priced model, a public address for
its model server) is answered 409 or 403 when the run is prepared; the document itself is whole here.

A command-line candidate file (``deskpilot replay --against``) is read by :class:`Candidate` itself, which also takes
``model.api_key_env`` (a variable of the operator's process) and procedures written inline as mappings.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr
from pydantic.json_schema import SkipJsonSchema

from libs.platform.documents import PROCEDURE_FORMAT, document_text
from libs.platform.http import HTTP_URL
from services.agent.policy import AgentPolicy
from services.agent.providers.selection import ProviderName
from services.agent.sandbox.candidate import ToolChanges

OWN_KEY_FOR_OWN_SERVER: dict[str, JsonValue] = {
    "if": {
        "properties": {"provider": {"enum": ["anthropic", "openai"]}, "base_url": {"type": "string"}},
        "required": ["provider", "base_url"],
    },
    "then": {"properties": {"api_key": {"type": "string"}}, "required": ["api_key"]},
}
"""An Anthropic or OpenAI server of the tenant's own needs its own key: the operator's is never sent there."""


class TenantModel(BaseModel):
    """A model for the run: provider, model name, and optionally a server on the internet and that server's key."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=OWN_KEY_FOR_OWN_SERVER)
    provider: ProviderName
    model: str | None = Field(default=None, max_length=200, description="default: the provider's default model")
    base_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=HTTP_URL,
        description="an Anthropic- or OpenAI-compatible server at a public address, e.g. https://llm.example/v1 "
        "(a host on a private network, or one that does not resolve: 403)",
    )
    api_key: SecretStr | None = Field(
        default=None, min_length=1, description="the server's key: used for this run only, never stored or shown"
    )
    api_key_env: SkipJsonSchema[None] = Field(default=None, exclude=True)  # the command line's only


class CandidateRequest(BaseModel):
    """What to run instead of the base setup (docs/replay.md); every field is optional, ``{}`` is the base itself."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="candidate", min_length=1, max_length=100, description="a label for reports")
    model: TenantModel | None = Field(default=None, description="omitted: the model the base runs on")
    policy: AgentPolicy = Field(
        default_factory=AgentPolicy,
        description="agent policy fields to change, merged over the base policy: a mapping (limits) changes only "
        "the keys it names, anything else replaces the whole value",
    )
    tools: ToolChanges = Field(
        default_factory=ToolChanges,
        description="changes to the catalog (a tool it does not have: 409; a tool added that it has: 409)",
    )
    procedures: list[Annotated[str, document_text(PROCEDURE_FORMAT)]] | None = Field(
        default=None, description="procedures (YAML or JSON texts) that replace the base's; omitted: the base's"
    )
    knowledge: list[str] | None = Field(
        default=None, max_length=100, description="the knowledge collections its searches may read; omitted: the base's"
    )

    def document(self) -> dict[str, Any]:
        """The candidate as :class:`Candidate` reads it: only the fields given, the key kept."""
        return self.model_dump(exclude_unset=True)
