"""Which model the agent uses, from settings and the environment; the SDKs keep their own base-URL variables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from libs.pricing import price_for
from services.agent.config import AgentSettings
from services.agent.providers import (
    AnthropicModel,
    ModelChoice,
    ModelConfigurationError,
    ModelMessage,
    ModelRequest,
    OfflineModel,
    OpenAIModel,
    select_model,
)
from services.agent.tests.fake_llm_server import fake_server, json_reply

ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "DESKPILOT_AGENT_LLM_PROVIDER",
    "DESKPILOT_AGENT_LLM_MODEL",
    "DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL",
    "DESKPILOT_AGENT_OPENAI_COMPATIBLE_API_KEY",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings(**values: Any) -> AgentSettings:
    return AgentSettings.model_validate(values)


def test_without_keys_the_offline_model_is_used(env: pytest.MonkeyPatch) -> None:
    assert isinstance(select_model(settings()), OfflineModel)


def test_anthropic_key_selects_anthropic_then_openai_key_selects_openai(env: pytest.MonkeyPatch) -> None:
    env.setenv("OPENAI_API_KEY", "sk-o")
    chosen = select_model(settings())
    assert isinstance(chosen, OpenAIModel)
    assert (chosen.provider, chosen.model) == ("openai", "gpt-4.1-mini")
    env.setenv("ANTHROPIC_API_KEY", "sk-a")
    chosen = select_model(settings())
    assert isinstance(chosen, AnthropicModel)
    assert (chosen.provider, chosen.model) == ("anthropic", "claude-sonnet-4-6")


def test_default_models_have_prices(env: pytest.MonkeyPatch) -> None:
    today = datetime.now(UTC).date()
    for chosen in (select_model(settings(ANTHROPIC_API_KEY="a")), select_model(settings(OPENAI_API_KEY="o"))):
        assert price_for(chosen.provider, chosen.model, today)


def test_the_tenant_setting_wins(env: pytest.MonkeyPatch) -> None:
    both = settings(ANTHROPIC_API_KEY="a", OPENAI_API_KEY="o")
    chosen = select_model(both, ModelChoice("openai", "gpt-4.1-mini"))
    assert isinstance(chosen, OpenAIModel)
    assert isinstance(select_model(both, ModelChoice("offline")), OfflineModel)
    with pytest.raises(ModelConfigurationError, match="OPENAI_API_KEY"):
        select_model(settings(ANTHROPIC_API_KEY="a"), ModelChoice("openai"))


def test_operator_settings_choose_provider_model_and_retry_policy(env: pytest.MonkeyPatch) -> None:
    chosen = select_model(
        settings(
            ANTHROPIC_API_KEY="a",
            OPENAI_API_KEY="o",
            DESKPILOT_AGENT_LLM_PROVIDER="anthropic",
            DESKPILOT_AGENT_LLM_MODEL="claude-haiku-4-5",
            DESKPILOT_AGENT_LLM_REQUEST_TIMEOUT="12.5",
            DESKPILOT_AGENT_LLM_MAX_ATTEMPTS="2",
        )
    )
    assert isinstance(chosen, AnthropicModel)
    assert chosen.model == "claude-haiku-4-5"
    assert (chosen.retrier.policy.timeout, chosen.retrier.policy.max_attempts) == (12.5, 2)
    assert chosen.client.max_retries == 0  # our policy is the only one


def test_sdk_base_url_variables_are_honoured(env: pytest.MonkeyPatch) -> None:
    env.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:4001")
    env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:4002/v1")
    anthropic = select_model(settings(ANTHROPIC_API_KEY="a"))
    openai = select_model(settings(OPENAI_API_KEY="o"))
    assert isinstance(anthropic, AnthropicModel)
    assert isinstance(openai, OpenAIModel)
    assert str(anthropic.client.base_url).rstrip("/") == "http://127.0.0.1:4001"
    assert str(openai.client.base_url).rstrip("/") == "http://127.0.0.1:4002/v1"
    assert openai.client.max_retries == 0


def test_openai_compatible_server_needs_a_base_url_and_a_model(env: pytest.MonkeyPatch) -> None:
    compatible = settings(DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL="http://127.0.0.1:11434/v1")
    with pytest.raises(ModelConfigurationError, match="model name"):
        select_model(compatible)
    chosen = select_model(
        settings(
            DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL="http://127.0.0.1:11434/v1", DESKPILOT_AGENT_LLM_MODEL="llama3.1"
        )
    )
    assert isinstance(chosen, OpenAIModel)
    assert (chosen.provider, chosen.model) == ("openai_compatible", "llama3.1")
    assert str(chosen.client.base_url).rstrip("/") == "http://127.0.0.1:11434/v1"
    with pytest.raises(ModelConfigurationError, match="BASE_URL"):
        select_model(settings(), ModelChoice("openai_compatible", "llama3.1"))


async def test_the_selected_model_talks_to_anthropic_base_url_from_the_environment(env: pytest.MonkeyPatch) -> None:
    reply = json_reply(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [{"type": "text", "text": "Hello from the fake."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 5},
        }
    )
    async with fake_server([reply]) as fake:
        env.setenv("ANTHROPIC_BASE_URL", fake.url)
        env.setenv("ANTHROPIC_API_KEY", "sk-a")
        chosen = select_model(AgentSettings())
        response = await chosen.complete(ModelRequest("s", [ModelMessage(role="user", text="hi")], []))
    assert response.text == "Hello from the fake."
    assert fake.requests[0].headers["authorization"] == "Bearer sk-a"


def test_empty_keys_mean_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("OPENAI_API_KEY", "  ")
    monkeypatch.setenv("DESKPILOT_AGENT_LLM_PROVIDER", "")
    model = select_model(AgentSettings())
    assert (model.provider, model.model) == ("offline", "deskpilot-offline-1")
