"""The provider-neutral contract between the agent loop and any model: history, request, response, streaming.

Token counts follow one rule for every provider so that billing is exact: ``input_tokens`` are the input tokens
billed at the full input price, ``cache_read_tokens`` and ``cache_write_tokens`` are billed at their own prices,
and no token is counted twice (Anthropic reports it this way; the OpenAI provider subtracts cached tokens from
``prompt_tokens``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast, runtime_checkable

from libs.events import ToolSpec

DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-6"
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
"""Each provider's model when none is named. Here, not beside the providers: the SDKs take about a second to import,
which a process running another provider (or the offline model) should not pay at start."""

if TYPE_CHECKING:
    from services.agent.procedures.compiled import Procedure

HANDOFF_TOOL = ToolSpec(
    name="handoff_to_human",
    description="Hand the conversation to a human support agent. Use when the customer asks for a person, "
    "when you cannot help, or when a tool keeps failing.",
    input_schema={
        "type": "object",
        "properties": {
            "reason": {"type": "string", "description": "why a human is needed"},
            "summary": {"type": "string", "description": "what the customer wants and what was tried"},
            "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
        },
        "required": ["reason", "summary"],
        "additionalProperties": False,
    },
    risk="read",
    service="agent",
)


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for.

    ``argument_error`` is set when the model's arguments could not be decoded (OpenAI sends them as a JSON string
    that may be malformed); ``arguments`` is then ``{}``. The agent must not run such a call: it should answer it
    with a failed tool result carrying ``argument_error`` so the model can correct itself.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    argument_error: str | None = None


T = TypeVar("T")
Wire = dict[str, Any]  # a message, completion or stream event as a provider's API sends it (JSON)


class MalformedAnswer(ValueError):
    """A provider answered with something that is not its API's shape (not retried: it would again)."""


def read_wire(parse: Callable[[Wire], T], answer: object, what: str) -> T:
    """``parse(answer)``, where an answer lacking what the API always sends (a key, a list, an object) is a
    :class:`MalformedAnswer` saying ``what`` it was not."""
    try:
        return parse(cast(Wire, answer))
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedAnswer(f"{what}: {str(answer)[:200]}") from exc


def decode_tool_arguments(raw: str) -> tuple[dict[str, Any], str | None]:
    """Arguments from the JSON text a model produced: ``(arguments, None)``, or ``({}, error)`` when the text is not
    a JSON object. The error quotes the start of the text, so the model can see and fix its mistake."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {}, f"the tool arguments are not valid JSON ({exc.msg} at character {exc.pos}): {raw[:200]!r}"
    if not isinstance(value, dict):
        return {}, f"the tool arguments must be a JSON object, not {type(value).__name__}: {raw[:200]!r}"
    return value, None


@dataclass
class ModelMessage:
    """One message of the provider-neutral history."""

    role: Literal["user", "assistant", "tool"]
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None
    is_error: bool = False
    result: dict[str, Any] | None = None
    blocked: str | None = None  # a guard stopped this call: required_call | precondition | confirmation


@dataclass(frozen=True)
class ModelRequest:
    system: str
    messages: list[ModelMessage]
    tools: list[ToolSpec]
    # The procedures the system prompt shows, as data: an LLM reads them in ``system``; the offline model (which
    # cannot read) follows their guards' structure instead.
    procedures: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class ModelResponse:
    """One model call's answer. ``stop_reason`` uses one vocabulary for all providers:
    ``end_turn``, ``tool_use``, ``max_tokens``, ``refusal`` (or the provider's own word when it has no equivalent)."""

    text: str
    tool_calls: list[ToolCall]
    input_tokens: int
    output_tokens: int
    stop_reason: str
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply's text, in order; the pieces of one call concatenate to ``ModelResponse.text``."""

    text: str


StreamEvent = TextDelta | ModelResponse
"""What a stream yields: any number of :class:`TextDelta`, then exactly one :class:`ModelResponse` (last)."""


@runtime_checkable
class ChatModel(Protocol):
    provider: str
    model: str

    async def complete(self, request: ModelRequest) -> ModelResponse: ...


@runtime_checkable
class StreamingChatModel(ChatModel, Protocol):
    """A model that can also stream. Streaming is optional: use :func:`stream_reply` to stream from any model."""

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]: ...


async def stream_reply(model: ChatModel, request: ModelRequest) -> AsyncIterator[StreamEvent]:
    """Stream from ``model`` when it can; otherwise complete and yield the whole text as one delta, then the answer."""
    if isinstance(model, StreamingChatModel):
        async for event in model.stream(request):
            yield event
        return
    response = await model.complete(request)
    if response.text:
        yield TextDelta(response.text)
    yield response
