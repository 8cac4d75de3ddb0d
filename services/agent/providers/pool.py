"""Each tenant's model: the operator's by default, or the provider and model the tenant chose in its policy
(``AgentPolicy.model``). Keys and servers stay the operator's: a tenant picks among what the operator configured,
and only models with a price (cost caps and billing must be computable). A chosen model is built once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

from libs.pricing import PRICES, UnknownPrice, price_for
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers.base import DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL, ChatModel
from services.agent.providers.selection import (
    ModelChoice,
    ModelConfigurationError,
    ProviderName,
    operator_choice,
    select_model,
)

DEFAULTS: dict[str, str | None] = {
    "anthropic": DEFAULT_ANTHROPIC_MODEL,
    "openai": DEFAULT_OPENAI_MODEL,
    "offline": "deskpilot-offline-1",
    "openai_compatible": None,
}


@dataclass(frozen=True)
class ModelOption:
    """A provider as a tenant may choose it: whether the operator configured it, and its priced models."""

    provider: str
    available: bool
    reason: str | None
    default_model: str | None
    models: tuple[str, ...]


class ModelPool:
    def __init__(self, settings: AgentSettings, default: ChatModel) -> None:
        self._settings = settings
        self._default = default
        self._operator = operator_choice(settings)
        self._built: dict[ModelChoice, ChatModel] = {}

    @property
    def default(self) -> ChatModel:
        return self._default

    def check(self, choice: ModelChoice) -> None:
        """``ModelConfigurationError`` saying why ``choice`` cannot run here (no key, no price)."""
        model = self._build(choice)
        try:
            price_for(model.provider, model.model, datetime.now(UTC).date())
        except UnknownPrice as exc:
            self._built.pop(choice, None)
            raise ModelConfigurationError(f"{exc}: its cost could not be computed") from exc

    def model(self, choice: ModelChoice | None) -> ChatModel:
        """The model for a tenant's choice (None, or the operator's own: the service's model)."""
        if choice is None or choice == self._operator:
            return self._default
        try:
            return self._build(choice)
        except ModelConfigurationError:
            return self._default  # the operator removed a key since the tenant chose: the service's model answers

    def for_policy(self, policy: AgentPolicy) -> ChatModel:
        chosen = policy.model
        return self.model(ModelChoice(chosen.provider, chosen.model) if chosen is not None else None)

    def _build(self, choice: ModelChoice) -> ChatModel:
        if choice not in self._built:
            self._built[choice] = select_model(self._settings, choice)
        return self._built[choice]

    def _missing(self, provider: str) -> str | None:
        s = self._settings
        needs = {
            "anthropic": (s.anthropic_api_key is None, "the operator has not set ANTHROPIC_API_KEY"),
            "openai": (s.openai_api_key is None, "the operator has not set OPENAI_API_KEY"),
            "openai_compatible": (
                not s.openai_compatible_base_url,
                "the operator has not set DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL",
            ),
        }
        missing, why = needs.get(provider, (False, ""))
        return why if missing else None

    def options(self) -> list[ModelOption]:
        out = []
        for provider in get_args(ProviderName):
            reason = self._missing(provider)
            priced = tuple(sorted({p.model for p in PRICES if p.provider == provider and p.model != "*"}))
            out.append(ModelOption(provider, reason is None, reason, DEFAULTS[provider], priced))
        return out

    async def aclose(self) -> None:
        for model in [self._default, *self._built.values()]:
            close = getattr(model, "aclose", None)
            if close is not None:
                await close()
