"""Which model the agent talks to: the tenant's choice, else the operator's, else whichever key is configured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from services.agent.config import AgentSettings
from services.agent.providers.base import DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL, ChatModel
from services.agent.providers.offline import OfflineModel
from services.agent.providers.retry import RetryDecision, RetryPolicy

if TYPE_CHECKING:
    import httpx2

ProviderName = Literal["anthropic", "openai", "openai_compatible", "offline"]


@dataclass(frozen=True)
class ModelChoice:
    """A tenant's choice of provider and model (``model=None``: the provider's default). Keys stay the operator's."""

    provider: ProviderName
    model: str | None = None


class ModelConfigurationError(ValueError):
    """The chosen provider cannot be built from the settings (a key or base URL is missing)."""


def operator_choice(settings: AgentSettings) -> ModelChoice:
    if settings.llm_provider is not None:
        return ModelChoice(settings.llm_provider, settings.llm_model)
    if settings.anthropic_api_key is not None:
        return ModelChoice("anthropic", settings.llm_model)
    if settings.openai_api_key is not None:
        return ModelChoice("openai", settings.llm_model)
    if settings.openai_compatible_base_url:
        return ModelChoice("openai_compatible", settings.llm_model)
    return ModelChoice("offline")


def retry_policy(settings: AgentSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.llm_max_attempts, timeout=settings.llm_request_timeout, deadline=settings.llm_deadline
    )


def select_model(
    settings: AgentSettings,
    tenant_setting: ModelChoice | None = None,
    *,
    on_retry: Callable[[RetryDecision], None] | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> ChatModel:
    """The model for ``tenant_setting`` if given, else for the operator's settings.

    Base URLs left unset are left to the SDKs, which read ``ANTHROPIC_BASE_URL`` / ``OPENAI_BASE_URL`` themselves.
    ``http_client``: the SDK's client (one pinned to public destinations for a tenant's own server), else its own.
    """
    choice = tenant_setting or operator_choice(settings)
    if choice.provider == "offline":
        return OfflineModel(word_delay=settings.offline_word_delay_ms / 1000)
    if choice.provider == "anthropic":
        return _anthropic(settings, choice, on_retry, http_client)
    return _openai(settings, choice, on_retry, http_client)


# The SDK-backed models are imported once chosen: each SDK takes 0.4-0.7 s to import (services.agent.providers).


def _anthropic(
    settings: AgentSettings,
    choice: ModelChoice,
    on_retry: Callable[[RetryDecision], None] | None,
    http_client: httpx2.AsyncClient | None,
) -> ChatModel:
    if settings.anthropic_api_key is None:
        raise ModelConfigurationError("the anthropic provider was chosen but ANTHROPIC_API_KEY is not set")
    from services.agent.providers.anthropic import AnthropicModel

    return AnthropicModel(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=choice.model or DEFAULT_ANTHROPIC_MODEL,
        base_url=settings.anthropic_base_url,
        max_tokens=settings.llm_max_output_tokens,
        policy=retry_policy(settings),
        on_retry=on_retry,
        http_client=http_client,
    )


def _openai(
    settings: AgentSettings,
    choice: ModelChoice,
    on_retry: Callable[[RetryDecision], None] | None,
    http_client: httpx2.AsyncClient | None,
) -> ChatModel:
    """OpenAI's API, or a server speaking it (``openai_compatible``: its base URL and model name are required)."""
    provider: Literal["openai", "openai_compatible"] = "openai" if choice.provider == "openai" else "openai_compatible"
    key: SecretStr | None
    if provider == "openai":
        if settings.openai_api_key is None:
            raise ModelConfigurationError("the openai provider was chosen but OPENAI_API_KEY is not set")
        key, model, base_url = settings.openai_api_key, choice.model or DEFAULT_OPENAI_MODEL, settings.openai_base_url
    else:
        if not settings.openai_compatible_base_url:
            raise ModelConfigurationError(
                "the openai_compatible provider needs DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL"
            )
        if not choice.model:
            raise ModelConfigurationError(
                "the openai_compatible provider needs a model name (DESKPILOT_AGENT_LLM_MODEL)"
            )
        key, model, base_url = settings.openai_compatible_api_key, choice.model, settings.openai_compatible_base_url
    from services.agent.providers.openai import OpenAIModel

    return OpenAIModel(
        api_key=key.get_secret_value() if key is not None else None,
        model=model,
        base_url=base_url,
        provider=provider,
        max_tokens=settings.llm_max_output_tokens,
        policy=retry_policy(settings),
        on_retry=on_retry,
        http_client=http_client,
    )
