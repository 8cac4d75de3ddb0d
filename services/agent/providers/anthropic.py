"""Anthropic's Messages API through the ``anthropic`` SDK: native tool use, prompt caching, streaming.

Prompt caching puts ``cache_control: {"type": "ephemeral"}`` on three breakpoints: the last tool definition, the
system prompt, and the stable prefix of the conversation (the last message before the newest user/tool turn), so
each model call of an agent turn re-reads what the previous call wrote.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import anthropic
import httpx2
from anthropic import AsyncStream
from anthropic.types import (
    InputJSONDelta,
    Message,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStreamEvent,
    TextBlock,
    ToolUseBlock,
)
from anthropic.types import TextDelta as AnthropicTextDelta

from libs.events import ToolSpec
from services.agent.providers.base import (
    DEFAULT_ANTHROPIC_MODEL,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    decode_tool_arguments,
)
from services.agent.providers.retry import (
    RETRYABLE_ERROR_TYPES,
    Failure,
    Retrier,
    RetryDecision,
    RetryPolicy,
    classify_status,
)

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}


def anthropic_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    """Our tool specs as Anthropic tools; the last one carries the cache breakpoint that covers them all."""
    out: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in tools
    ]
    if out:
        out[-1]["cache_control"] = EPHEMERAL
    return out


def anthropic_system(system: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": system, "cache_control": EPHEMERAL}] if system else []


def _blocks(message: ModelMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        if message.is_error:
            content = message.text or "the tool failed"
        elif message.result is not None:
            content = json.dumps(message.result, ensure_ascii=False, default=str)
        else:
            content = message.text or "(no output)"
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": content}
        if message.is_error:
            block["is_error"] = True
        return [block]
    # The API rejects empty text blocks.
    blocks: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
    if message.role == "assistant":
        blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in message.tool_calls]
    return blocks


def anthropic_messages(messages: list[ModelMessage]) -> list[dict[str, Any]]:
    """Our history in Anthropic's shape: tool results become ``tool_result`` blocks of a user message, consecutive
    messages of one role are merged (tool results first, as the API requires), and the last message before the
    newest user/tool turn carries the conversation's cache breakpoint."""
    out: list[dict[str, Any]] = []
    for message in messages:
        blocks = _blocks(message)
        if not blocks:
            continue
        role = "assistant" if message.role == "assistant" else "user"
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    for merged in out:
        if merged["role"] == "user":
            merged["content"].sort(key=lambda b: b["type"] != "tool_result")  # stable: keeps the order otherwise
    if len(out) >= 2:
        out[-2]["content"][-1]["cache_control"] = EPHEMERAL
    return out


def response_from_message(message: Message) -> ModelResponse:
    text: list[str] = []
    calls: list[ToolCall] = []
    for block in message.content:
        if isinstance(block, TextBlock):
            text.append(block.text)
        elif isinstance(block, ToolUseBlock):
            calls.append(ToolCall(block.id, block.name, dict(block.input)))
    usage = message.usage
    return ModelResponse(
        text="".join(text),
        tool_calls=calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        stop_reason=message.stop_reason or ("tool_use" if calls else "end_turn"),
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
    )


def classify_anthropic(exc: BaseException) -> Failure | None:
    if isinstance(exc, anthropic.APIStatusError):
        error_type = exc.type or ""
        if exc.status_code < 400:  # an ``error`` event inside a 200 event stream
            return Failure(error_type in RETRYABLE_ERROR_TYPES, f"stream error {error_type}".strip())
        return classify_status(exc.status_code, exc.response.headers, error_type)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return Failure(True, "timed out")
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return Failure(True, "connection failed")
    if isinstance(exc, anthropic.APIResponseValidationError):
        return Failure(False, "the response did not match the API's schema")
    return None


@dataclass
class _Assembly:
    """The pieces of a streamed message, put back together."""

    text: list[str] = field(default_factory=list)
    tools: dict[int, tuple[str, str, list[str]]] = field(default_factory=dict)  # index -> (id, name, json parts)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read: int = 0
    cache_write: int = 0
    stop_reason: str | None = None

    def response(self) -> ModelResponse:
        calls: list[ToolCall] = []
        for index in sorted(self.tools):
            call_id, name, parts = self.tools[index]
            arguments, error = decode_tool_arguments("".join(parts))
            calls.append(ToolCall(call_id, name, arguments, error))
        return ModelResponse(
            text="".join(self.text),
            tool_calls=calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            stop_reason=self.stop_reason or ("tool_use" if calls else "end_turn"),
            cache_read_tokens=self.cache_read,
            cache_write_tokens=self.cache_write,
        )

    def absorb(self, event: object) -> str:
        """Fold one stream event in; the text it adds (``""`` if none)."""
        if isinstance(event, RawMessageStartEvent):
            usage = event.message.usage
            self.input_tokens = usage.input_tokens
            self.output_tokens = usage.output_tokens
            self.cache_read = usage.cache_read_input_tokens or 0
            self.cache_write = usage.cache_creation_input_tokens or 0
        elif isinstance(event, RawContentBlockStartEvent):
            block = event.content_block
            if isinstance(block, ToolUseBlock):
                # The start block carries an empty input; the arguments follow as input_json_delta fragments.
                self.tools[event.index] = (block.id, block.name, [])
            elif isinstance(block, TextBlock) and block.text:
                self.text.append(block.text)
                return block.text
        elif isinstance(event, RawContentBlockDeltaEvent):
            delta = event.delta
            if isinstance(delta, AnthropicTextDelta):
                self.text.append(delta.text)
                return delta.text
            if isinstance(delta, InputJSONDelta) and event.index in self.tools:
                self.tools[event.index][2].append(delta.partial_json)
        elif isinstance(event, RawMessageDeltaEvent):
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            final = event.usage
            self.output_tokens = final.output_tokens  # cumulative
            if final.input_tokens is not None:
                self.input_tokens = final.input_tokens
            if final.cache_read_input_tokens is not None:
                self.cache_read = final.cache_read_input_tokens
            if final.cache_creation_input_tokens is not None:
                self.cache_write = final.cache_creation_input_tokens
        return ""


class AnthropicModel:
    """Claude through the Messages API. ``base_url=None`` lets the SDK use ``ANTHROPIC_BASE_URL`` or its default."""

    provider = "anthropic"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_ANTHROPIC_MODEL,
        base_url: str | None = None,
        max_tokens: int = 1024,
        policy: RetryPolicy | None = None,
        on_retry: Callable[[RetryDecision], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        # max_retries=0: our Retrier is the only retry policy, so it is the one that runs and is tested.
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, http_client=http_client
        )
        self.retrier = Retrier(
            self.provider, policy or RetryPolicy(), classify_anthropic, sleep=sleep, on_retry=on_retry
        )

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": anthropic_messages(request.messages),
        }
        if request.system:
            params["system"] = anthropic_system(request.system)
        if request.tools:
            params["tools"] = anthropic_tools(request.tools)
        return params

    async def complete(self, request: ModelRequest) -> ModelResponse:
        params = self._params(request)

        async def attempt(timeout: float) -> Message:
            return cast(Message, await self.client.messages.create(**params, timeout=timeout))

        return response_from_message(await self.retrier.run(attempt))

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then the assembled response (tool arguments come as partial JSON), retried
        as :meth:`Retrier.stream` describes."""
        params = self._params(request)

        def open_stream(timeout: float) -> Awaitable[AsyncStream[RawMessageStreamEvent]]:
            return self.client.messages.create(**params, stream=True, timeout=timeout)

        return self.retrier.stream(open_stream, _Assembly)

    async def aclose(self) -> None:
        await self.client.close()
