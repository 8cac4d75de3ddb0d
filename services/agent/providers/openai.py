"""OpenAI chat completions through the ``openai`` SDK, and OpenAI-compatible servers (vLLM, Ollama, llama.cpp).

As for Anthropic (``anthropic.py``), the request goes through the SDK's client with ``client.post`` and the answer is
read as the wire's JSON, without the typed models ``chat.completions.create`` would build of every chunk.

Tool arguments arrive as a JSON *string* the model wrote, which may be malformed. Such a call comes back as a
:class:`ToolCall` with ``arguments={}`` and ``argument_error`` saying what was wrong; the agent answers it with a
failed tool result instead of running it, so the model can correct itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
import openai
from openai import AsyncStream

from libs.events import ToolSpec
from services.agent.providers.base import (
    DEFAULT_OPENAI_MODEL,
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
    Failure,
    Retrier,
    RetryDecision,
    RetryPolicy,
    classify_status,
)

# OpenAI-compatible servers often need no key, but the SDK insists on one; this is sent as the bearer token then.
NO_KEY = "not-needed"
STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


def openai_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}
        for t in tools
    ]


def _tool_content(message: ModelMessage) -> str:
    if message.is_error:
        return json.dumps({"error": message.text or "the tool failed"}, ensure_ascii=False)
    if message.result is not None:
        return json.dumps(message.result, ensure_ascii=False, default=str)
    return message.text or "(no output)"


def openai_messages(system: str, messages: list[ModelMessage]) -> list[dict[str, Any]]:
    """Our history as chat messages. The API wants an assistant's tool calls answered by the ``tool`` messages right
    after it, so a customer message that arrived while tools ran is moved after their results."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    pending: set[str] = set()
    deferred: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "user":
            entry: dict[str, Any] = {"role": "user", "content": message.text}
            (deferred if pending else out).append(entry)
            continue
        if message.role == "assistant":
            out.extend(deferred)
            deferred.clear()
            entry = {"role": "assistant", "content": message.text or None}
            if message.tool_calls:
                entry["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
                    }
                    for c in message.tool_calls
                ]
            pending = {c.id for c in message.tool_calls}
            out.append(entry)
            continue
        out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": _tool_content(message)})
        pending.discard(message.tool_call_id or "")
        if not pending:
            out.extend(deferred)
            deferred.clear()
    out.extend(deferred)
    return out


COMPLETIONS = "/chat/completions"


def _usage(usage: Wire | None) -> tuple[int, int, int]:
    """(input, output, cache read): cached prompt tokens are billed at the cache price, so not as input too."""
    if not usage:
        return 0, 0, 0
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    return max(0, (usage.get("prompt_tokens") or 0) - cached), usage.get("completion_tokens") or 0, cached


def response_from_completion(completion: object) -> ModelResponse:
    """A whole (non-streamed) chat completion as our response."""
    return read_wire(_response, completion, "not a chat completion")


def _response(completion: Wire) -> ModelResponse:
    calls: list[ToolCall] = []
    text = ""
    finish = "stop"
    if completion["choices"]:
        choice = completion["choices"][0]
        finish = choice.get("finish_reason") or finish
        message = choice["message"]
        text = message.get("content") or ""
        for call in message.get("tool_calls") or []:
            if call.get("type", "function") == "function":
                arguments, error = decode_tool_arguments(call["function"].get("arguments") or "")
                calls.append(ToolCall(call["id"], call["function"]["name"], arguments, error))
            else:  # a "custom" (free-text) tool call: we only declare function tools
                name = (call.get("custom") or {}).get("name", "")
                calls.append(ToolCall(call["id"], name, {}, "only function tools with JSON arguments exist"))
    input_tokens, output_tokens, cached = _usage(completion.get("usage"))
    return ModelResponse(text, calls, input_tokens, output_tokens, STOP_REASONS.get(finish, finish), cached, 0)


def classify_openai(exc: BaseException) -> Failure | None:
    if isinstance(exc, openai.APIStatusError):
        return classify_status(exc.status_code, exc.response.headers, exc.type or "")
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return Failure(True, "timed out")
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return Failure(True, "connection failed")
    if isinstance(exc, MalformedAnswer):
        return Failure(False, "the response did not match the API's schema")
    if isinstance(exc, openai.APIError):  # an error object inside a 200 event stream
        return Failure(True, f"stream error {exc.type or ''}".strip())
    return None


@dataclass
class _Assembly:
    text: list[str] = field(default_factory=list)
    tools: dict[int, list[Any]] = field(default_factory=dict)  # index -> [id, name, argument fragments]
    finish: str | None = None
    usage: Wire | None = None

    def absorb(self, chunk: Wire) -> str:
        return read_wire(self._absorb, chunk, "a chunk of no chat completion")

    def _absorb(self, chunk: Wire) -> str:
        if chunk.get("usage") is not None:
            self.usage = chunk["usage"]
        added: list[str] = []
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                added.append(delta["content"])
            for fragment in delta.get("tool_calls") or []:
                entry = self.tools.setdefault(fragment["index"], ["", "", []])
                if fragment.get("id"):
                    entry[0] = fragment["id"]
                function = fragment.get("function") or {}
                if function.get("name") and not entry[1]:
                    entry[1] = function["name"]
                if function.get("arguments"):
                    entry[2].append(function["arguments"])
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]
        self.text.extend(added)
        return "".join(added)

    def response(self) -> ModelResponse:
        calls: list[ToolCall] = []
        for index in sorted(self.tools):
            call_id, name, parts = self.tools[index]
            arguments, error = decode_tool_arguments("".join(parts))
            calls.append(ToolCall(call_id, name, arguments, error))
        finish = self.finish or ("tool_calls" if calls else "stop")
        input_tokens, output_tokens, cached = _usage(self.usage)
        return ModelResponse(
            "".join(self.text), calls, input_tokens, output_tokens, STOP_REASONS.get(finish, finish), cached, 0
        )


class OpenAIModel:
    """OpenAI's chat completions, or an OpenAI-compatible server with ``provider="openai_compatible"`` and its
    ``base_url``. For OpenAI, ``base_url=None`` lets the SDK use ``OPENAI_BASE_URL`` or its default."""

    def __init__(
        self,
        *,
        api_key: str | None,
        model: str = DEFAULT_OPENAI_MODEL,
        base_url: str | None = None,
        provider: Literal["openai", "openai_compatible"] = "openai",
        max_tokens: int = 1024,
        policy: RetryPolicy | None = None,
        on_retry: Callable[[RetryDecision], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        if provider == "openai_compatible" and not base_url:
            raise ValueError("an OpenAI-compatible server needs its base_url")
        if provider == "openai" and not api_key:
            raise ValueError("OpenAI needs an API key")
        self.provider: str = provider
        self.model = model
        self.max_tokens = max_tokens
        # max_retries=0: our Retrier is the only retry policy, so it is the one that runs and is tested.
        self.client = openai.AsyncOpenAI(
            api_key=api_key or NO_KEY, base_url=base_url, max_retries=0, http_client=http_client
        )
        self.retrier = Retrier(provider, policy or RetryPolicy(), classify_openai, sleep=sleep, on_retry=on_retry)

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": openai_messages(request.system, request.messages)}
        # OpenAI's newer models only take max_completion_tokens; compatible servers know max_tokens.
        params["max_completion_tokens" if self.provider == "openai" else "max_tokens"] = self.max_tokens
        if request.tools:
            params["tools"] = openai_tools(request.tools)
        return params

    async def complete(self, request: ModelRequest) -> ModelResponse:
        params = self._params(request)

        async def attempt(timeout: float) -> ModelResponse:
            answer = await self.client.post(COMPLETIONS, cast_to=object, body=params, options={"timeout": timeout})
            return response_from_completion(answer)

        return await self.retrier.run(attempt)

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then the assembled response (tool arguments come in fragments), retried as
        :meth:`Retrier.stream` describes."""
        params = {**self._params(request), "stream": True, "stream_options": {"include_usage": True}}

        def open_stream(timeout: float) -> Awaitable[AsyncStream[Wire]]:
            return self.client.post(
                COMPLETIONS,
                cast_to=object,
                body=params,
                stream=True,
                stream_cls=AsyncStream[Wire],
                options={"timeout": timeout},
            )

        return self.retrier.stream(open_stream, _Assembly)

    async def aclose(self) -> None:
        await self.client.close()
