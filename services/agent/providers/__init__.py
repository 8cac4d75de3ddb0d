"""Model providers behind one interface: Anthropic, OpenAI, OpenAI-compatible servers and the offline model.

``from services.agent.providers import ...`` offers everything the agent needs; see :mod:`.base` for the contract,
:mod:`.retry` for the retry policy and :class:`ProviderUnavailable`, :mod:`.selection` for which model is used.
"""

from typing import TYPE_CHECKING, Any

from services.agent.providers.base import (
    DEFAULT_ANTHROPIC_MODEL,
    DEFAULT_OPENAI_MODEL,
    HANDOFF_TOOL,
    ChatModel,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    StreamingChatModel,
    TextDelta,
    ToolCall,
    decode_tool_arguments,
    stream_reply,
)
from services.agent.providers.offline import OfflineModel
from services.agent.providers.retry import ProviderUnavailable, RetryDecision, RetryPolicy
from services.agent.providers.selection import ModelChoice, ModelConfigurationError, select_model

if TYPE_CHECKING:
    from services.agent.providers.anthropic import AnthropicModel
    from services.agent.providers.openai import OpenAIModel


def __getattr__(name: str) -> Any:
    """``AnthropicModel`` and ``OpenAIModel`` on first use: their SDKs take about a second to import, which a process
    that runs another provider (the offline model, say) need not pay at start."""
    if name == "AnthropicModel":
        from services.agent.providers.anthropic import AnthropicModel

        return AnthropicModel
    if name == "OpenAIModel":
        from services.agent.providers.openai import OpenAIModel

        return OpenAIModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_ANTHROPIC_MODEL",
    "DEFAULT_OPENAI_MODEL",
    "HANDOFF_TOOL",
    "AnthropicModel",
    "ChatModel",
    "ModelChoice",
    "ModelConfigurationError",
    "ModelMessage",
    "ModelRequest",
    "ModelResponse",
    "OfflineModel",
    "OpenAIModel",
    "ProviderUnavailable",
    "RetryDecision",
    "RetryPolicy",
    "StreamEvent",
    "StreamingChatModel",
    "TextDelta",
    "ToolCall",
    "decode_tool_arguments",
    "select_model",
    "stream_reply",
]
