"""The model a candidate (or a simulated customer) names, built like the live one: same SDKs, retries, timeouts.

Who asks matters. The operator's command line may name any URL and any of its own environment variables. A tenant
over the API may name a model server on the internet only, and only with that server's own key (``api_key``, used
for the run and never stored): the operator's keys and environment never leave for a URL a tenant chose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from libs.platform.destinations import DestinationRefused, Destinations
from libs.platform.http import HTTP_URL
from libs.pricing import UnknownPrice, price_for
from services.agent.config import AgentSettings
from services.agent.providers import ChatModel, ModelChoice, ModelConfigurationError, select_model
from services.agent.providers.selection import ProviderName
from services.agent.sandbox.documents import InvalidDocument, Problem

WHAT = "candidate"
KEY_SETTING = {"anthropic": "anthropic_api_key", "openai": "openai_api_key"}
URL_SETTING = {"anthropic": "anthropic_base_url", "openai": "openai_base_url"}


class CandidateModel(BaseModel):
    """A model to run: provider, model name, and optionally a server and its key."""

    model_config = ConfigDict(extra="forbid")
    provider: ProviderName
    model: str | None = Field(default=None, max_length=200, description="default: the provider's default model")
    base_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=HTTP_URL,
        description="an Anthropic- or OpenAI-compatible server, e.g. http://host:8000/v1",
    )
    api_key: SecretStr | None = Field(
        default=None, description="the server's key: used for this run only, never stored or shown"
    )
    api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]{0,99}$",
        description="command line only: the environment variable holding the key to use",
    )


@dataclass(frozen=True)
class Caller:
    """Who asks for the model (see the module docstring)."""

    operator: bool
    allow_private_urls: bool = False


OPERATOR = Caller(operator=True, allow_private_urls=True)


def tenant_caller(settings: AgentSettings) -> Caller:
    return Caller(operator=False, allow_private_urls=settings.sandbox_allow_private_model_urls)


def _refuse(field: str, message: str, *, held: bool = False, forbidden: bool = False) -> InvalidDocument:
    return InvalidDocument(WHAT, [Problem(f"model.{field}", message, held=held, forbidden=forbidden)])


async def _check_public(url: str) -> None:
    """A tenant may not point the agent service at its own network (the same rule as crawls and MCP servers)."""
    host = urlsplit(url).hostname or ""
    try:
        await Destinations().check_url(url)
    except DestinationRefused as refused:
        if refused.unresolvable:  # the rule is "a public address": a name that resolves to none is refused alike
            raise _refuse("base_url", f"cannot resolve {host!r}", forbidden=True) from None
        raise _refuse("base_url", f"{host} is a private or loopback address", forbidden=True) from None


async def _check_caller(choice: CandidateModel, caller: Caller) -> None:
    if choice.base_url is not None:
        if urlsplit(choice.base_url).scheme not in ("http", "https"):
            raise _refuse("base_url", "must be an http:// or https:// URL")
        if not caller.allow_private_urls:
            await _check_public(choice.base_url)
    if caller.operator:
        return
    if choice.api_key_env is not None:
        raise _refuse("api_key_env", "only the operator's command line may name an environment variable")
    if choice.base_url is not None and choice.api_key is None and choice.provider in KEY_SETTING:
        raise _refuse("base_url", "a server of your own needs its own api_key: the operator's key is never sent there")


def _settings_for(choice: CandidateModel, settings: AgentSettings) -> AgentSettings:
    key_field = KEY_SETTING.get(choice.provider, "openai_compatible_api_key")
    update: dict[str, Any] = {}
    if choice.base_url is not None:
        update[URL_SETTING.get(choice.provider, "openai_compatible_base_url")] = choice.base_url
        update[key_field] = None  # the operator's key goes to the operator's servers only
    if choice.api_key is not None:
        update[key_field] = choice.api_key
    elif choice.api_key_env is not None:
        key = os.environ.get(choice.api_key_env)
        if not key:
            raise _refuse("api_key_env", f"{choice.api_key_env} is not set where this runs")
        update[key_field] = SecretStr(key)
    return settings.model_copy(update=update)


def _pinned(choice: CandidateModel, caller: Caller) -> httpx2.AsyncClient | None:
    """A tenant's own server is called only at addresses the public-destination rule checked, connection by
    connection (``libs.platform.destinations``), not just when the document is checked."""
    if choice.base_url is None or caller.operator:
        return None
    return Destinations(allow_private=caller.allow_private_urls).client()


async def build_model(choice: CandidateModel, settings: AgentSettings, caller: Caller) -> ChatModel:
    """The model ``choice`` names; ``InvalidDocument`` when ``caller`` may not use it or it cannot be built or
    priced (its calls are costed like live ones)."""
    await _check_caller(choice, caller)
    try:
        wanted = ModelChoice(choice.provider, choice.model)
        model = select_model(_settings_for(choice, settings), wanted, http_client=_pinned(choice, caller))
    except ModelConfigurationError as exc:
        raise InvalidDocument(WHAT, [Problem("model", str(exc), held=True)]) from exc  # the operator's settings
    try:
        price_for(model.provider, model.model, datetime.now(UTC).date())
    except UnknownPrice as exc:
        close = getattr(model, "aclose", None)
        if close is not None:
            await close()
        raise _refuse("model", f"{exc}: its cost could not be computed", held=True) from exc  # the price list's
    return model
