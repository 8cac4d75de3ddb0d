"""Anthropic's Messages API through the ``anthropic`` SDK: native tool use, prompt caching, streaming.

Prompt caching puts ``cache_control: {"type": "ephemeral"}`` on three breakpoints: the last tool definition, the
system prompt, and the stable prefix of the conversation (the last message before the newest user/tool turn), so
each model call of an agent turn re-reads what the previous call wrote.

The request goes through the SDK's client (its authentication, API version, base URL, connection pool, error
types and event-stream decoding) with ``client.post``, the SDK's documented way to send a request it does not
model, and the answer is read as the wire's JSON: ``messages.create`` would first deep-copy and transform the
parameters (plain JSON already) and then build a typed model of every stream event, read once. Measured with
valgrind on one streamed tool-use call to the zero-latency model (``benchmarks/layer_costs.py``'s request), 2026-12-07:
5.8 million instructions through ``messages.create``, 4.5 through ``client.post`` (httpx2 alone: 2.8).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
from anthropic import AsyncStream

from libs.events import ToolSpec
from services.agent.providers.base import (
    DEFAULT_ANTHROPIC_MODEL,
    MalformedAnswer,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    Wire,
    decode_tool_arguments,
    read_wire,
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
MESSAGES = "/v1/messages"


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


def response_from_message(message: object) -> ModelResponse:
    """A whole (non-streamed) message of the Messages API as our response."""
    return read_wire(_response, message, "not a message of the Messages API")


def _response(message: Wire) -> ModelResponse:
    if message.get("type") != "message":
        raise TypeError("not a message")
    text: list[str] = []
    calls: list[ToolCall] = []
    for block in message["content"]:
        if block.get("type") == "text":
            text.append(block["text"])
        elif block.get("type") == "tool_use":
            calls.append(ToolCall(block["id"], block["name"], dict(block["input"])))
    usage = message.get("usage") or {}
    return ModelResponse(
        text="".join(text),
        tool_calls=calls,
        input_tokens=usage.get("input_tokens") or 0,
        output_tokens=usage.get("output_tokens") or 0,
        stop_reason=message.get("stop_reason") or ("tool_use" if calls else "end_turn"),
        cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
        cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
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
    if isinstance(exc, MalformedAnswer):
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

    def absorb(self, event: Wire) -> str:
        """Fold one stream event in; the text it adds (``""`` if none)."""
        return read_wire(self._absorb, event, "a stream event the Messages API does not send")

    def _absorb(self, event: Wire) -> str:
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event["delta"]
            if delta.get("type") == "text_delta":
                self.text.append(delta["text"])
                return str(delta["text"])
            if delta.get("type") == "input_json_delta" and event["index"] in self.tools:
                self.tools[event["index"]][2].append(delta["partial_json"])
        elif kind == "content_block_start":
            block = event["content_block"]
            if block.get("type") == "tool_use":
                # The start block carries an empty input; the arguments follow as input_json_delta fragments.
                self.tools[event["index"]] = (block["id"], block["name"], [])
            elif block.get("type") == "text" and block.get("text"):
                self.text.append(block["text"])
                return str(block["text"])
        elif kind == "message_start":
            self._usage(event["message"].get("usage") or {}, start=True)
        elif kind == "message_delta":
            self.stop_reason = event["delta"].get("stop_reason") or self.stop_reason
            self._usage(event.get("usage") or {}, start=False)
        return ""

    def _usage(self, usage: Wire, *, start: bool) -> None:
        """Token counts from ``message_start`` (all of them) or from ``message_delta`` (cumulative: those it has)."""
        counts = {
            "output_tokens": usage.get("output_tokens"),
            "input_tokens": usage.get("input_tokens"),
            "cache_read": usage.get("cache_read_input_tokens"),
            "cache_write": usage.get("cache_creation_input_tokens"),
        }
        for name, value in counts.items():
            if value is not None or start:
                setattr(self, name, value or 0)


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

        async def attempt(timeout: float) -> ModelResponse:
            answer = await self.client.post(MESSAGES, cast_to=object, body=params, options={"timeout": timeout})
            return response_from_message(answer)

        return await self.retrier.run(attempt)

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then the assembled response (tool arguments come as partial JSON), retried
        as :meth:`Retrier.stream` describes."""
        params = {**self._params(request), "stream": True}

        def open_stream(timeout: float) -> Awaitable[AsyncStream[Wire]]:
            return self.client.post(
                MESSAGES,
                cast_to=object,
                body=params,
                stream=True,
                stream_cls=AsyncStream[Wire],
                options={"timeout": timeout},
            )

        return self.retrier.stream(open_stream, _Assembly)

    async def aclose(self) -> None:
        await self.client.close()
