"""Settings of the agent service. Limits are the documented defaults; tenants will override them (issue 3)."""

from pydantic import Field

from libs.platform.settings import ServiceSettings


class AgentSettings(ServiceSettings):
    max_model_calls_per_turn: int = Field(default=8, validation_alias="DESKPILOT_AGENT_MAX_MODEL_CALLS_PER_TURN", ge=1)
    max_tool_calls_per_turn: int = Field(default=8, validation_alias="DESKPILOT_AGENT_MAX_TOOL_CALLS_PER_TURN", ge=1)
    concurrency: int = Field(default=16, validation_alias="DESKPILOT_AGENT_CONCURRENCY", ge=1)
