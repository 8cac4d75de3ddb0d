"""Settings of the agent service process: its model provider and concurrency. Per-tenant limits live in policy.py."""

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from libs.platform.settings import ServiceSettings


class AgentSettings(ServiceSettings):
    concurrency: int = Field(default=16, validation_alias="DESKPILOT_AGENT_CONCURRENCY", ge=1)

    # The model. Unset provider: Anthropic when ANTHROPIC_API_KEY is set, else OpenAI when OPENAI_API_KEY is set,
    # else an OpenAI-compatible server when its base URL is set, else the offline demo model.
    llm_provider: Literal["anthropic", "openai", "openai_compatible", "offline"] | None = Field(
        default=None, validation_alias="DESKPILOT_AGENT_LLM_PROVIDER"
    )
    llm_model: str | None = Field(
        default=None,
        validation_alias="DESKPILOT_AGENT_LLM_MODEL",
        description="model name; default claude-sonnet-4-6 (Anthropic) or gpt-4.1-mini (OpenAI)",
    )
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(default=None, validation_alias="ANTHROPIC_BASE_URL")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    openai_compatible_base_url: str | None = Field(
        default=None,
        validation_alias="DESKPILOT_AGENT_OPENAI_COMPATIBLE_BASE_URL",
        description="e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama)",
    )
    openai_compatible_api_key: SecretStr | None = Field(
        default=None, validation_alias="DESKPILOT_AGENT_OPENAI_COMPATIBLE_API_KEY"
    )
    llm_request_timeout: float = Field(default=60.0, validation_alias="DESKPILOT_AGENT_LLM_REQUEST_TIMEOUT", gt=0)
    llm_max_attempts: int = Field(default=4, validation_alias="DESKPILOT_AGENT_LLM_MAX_ATTEMPTS", ge=1)
    llm_deadline: float = Field(default=120.0, validation_alias="DESKPILOT_AGENT_LLM_DEADLINE", gt=0)
    offline_word_delay_ms: float = Field(
        default=0.0,
        validation_alias="DESKPILOT_AGENT_OFFLINE_WORD_DELAY_MS",
        ge=0,
        le=2000,
        description="the offline model's pause between streamed words (0: none), to show streaming in a demo",
    )
    llm_max_output_tokens: int = Field(default=1024, validation_alias="DESKPILOT_AGENT_LLM_MAX_OUTPUT_TOKENS", ge=1)

    # Replays and simulations (docs/replay.md): how many run at once in this process, beside live traffic, and
    # whether a candidate sent over the API may name a model server on a private or loopback address.
    sandbox_runs: int = Field(default=2, validation_alias="DESKPILOT_AGENT_SANDBOX_RUNS", ge=1)
    # A publish gate whose process has not kept its heartbeat (every 5 s) for this long died with it: marked failed.
    gate_stale_after: float = Field(default=30.0, validation_alias="DESKPILOT_AGENT_GATE_STALE_AFTER", gt=5)
    sandbox_allow_private_model_urls: bool = Field(
        default=False, validation_alias="DESKPILOT_AGENT_SANDBOX_ALLOW_PRIVATE_MODEL_URLS"
    )

    @field_validator(
        "llm_provider",
        "llm_model",
        "anthropic_api_key",
        "anthropic_base_url",
        "openai_api_key",
        "openai_base_url",
        "openai_compatible_base_url",
        "openai_compatible_api_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `ANTHROPIC_API_KEY=` (set but empty, as compose files and CI often leave it) means "not configured".
        if isinstance(value, str) and not value.strip():
            return None
        return value
