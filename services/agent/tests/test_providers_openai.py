"""OpenAI and OpenAI-compatible servers through the real ``openai`` SDK against a local fake of chat completions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from libs.events import ToolSpec
from services.agent.providers import (
    HANDOFF_TOOL,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    OpenAIModel,
    ProviderUnavailable,
    RetryDecision,
    RetryPolicy,
    TextDelta,
    ToolCall,
)
from services.agent.tests.fake_llm_server import (
    RecordingSleep,
    Reply,
    fake_server,
    json_reply,
    refused_as_malformed,
    sse_reply,
)

KEY = "sk-openai-test-key"
LOOKUP = ToolSpec(
    name="get_order_status",
    description="Look up an order by its number.",
    input_schema={"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]},
    service="integrations",
)
USAGE = {
    "prompt_tokens": 1500,
    "completion_tokens": 25,
    "total_tokens": 1525,
    "prompt_tokens_details": {"cached_tokens": 1024},
}


def completion(
    tool_calls: list[dict[str, Any]] | None = None, content: str | None = None, finish: str = "tool_calls"
) -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return json_reply(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_764_000_000,
            "model": "gpt-4.1-mini",
            "choices": [{"index": 0, "finish_reason": finish, "message": message, "logprobs": None}],
            "usage": USAGE,
        }
    )


def function_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def chunk(
    delta: dict[str, Any] | None, finish: str | None = None, usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_764_000_000,
        "model": "gpt-4.1-mini",
        "choices": choices,
        "usage": usage,
    }


def tool_call_stream() -> Reply:
    def fragment(arguments: str) -> dict[str, Any]:
        return {"tool_calls": [{"index": 0, "function": {"arguments": arguments}}]}

    return sse_reply(
        [
            (None, chunk({"role": "assistant", "content": ""})),
            (None, chunk({"content": "Let me check "})),
            (None, chunk({"content": "that order."})),
            (
                None,
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "get_order_status", "arguments": ""},
                            }
                        ]
                    }
                ),
            ),
            (None, chunk(fragment('{"order_'))),
            (None, chunk(fragment('number": "10'))),
            (None, chunk(fragment('01"}'))),
            (None, chunk({}, finish="tool_calls")),
            (None, chunk(None, usage=USAGE)),
            (None, "[DONE]"),
        ]
    )


EXPECTED = ModelResponse(
    text="Let me check that order.",
    tool_calls=[ToolCall("call_1", "get_order_status", {"order_number": "1001"})],
    input_tokens=1500 - 1024,
    output_tokens=25,
    stop_reason="tool_use",
    cache_read_tokens=1024,
)

HISTORY = [
    ModelMessage(role="user", text="where is my order #1001?"),
    ModelMessage(role="assistant", tool_calls=[ToolCall("call_0", "get_order_status", {"order_number": "1001"})]),
    ModelMessage(role="user", text="hurry please"),  # arrived while the tool ran
    ModelMessage(role="tool", tool_call_id="call_0", tool_name="get_order_status", text="timeout", is_error=True),
]


def model_for(url: str, **kwargs: Any) -> OpenAIModel:
    kwargs.setdefault("policy", RetryPolicy(max_attempts=3, base_delay=0.01, timeout=5))
    kwargs.setdefault("api_key", KEY)
    return OpenAIModel(base_url=f"{url}/v1", **kwargs)


def request(messages: list[ModelMessage] | None = None) -> ModelRequest:
    return ModelRequest("You are Deskpilot.", messages or HISTORY, [LOOKUP, HANDOFF_TOOL])


async def test_tool_calls_with_json_string_arguments_and_cached_usage() -> None:
    reply = completion(
        [function_call("call_1", "get_order_status", '{"order_number": "1001"}')], "Let me check that order."
    )
    async with fake_server([reply]) as fake:
        response = await model_for(fake.url).complete(request())
    assert response == EXPECTED
    (seen,) = fake.requests
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    body = seen.body
    assert body["model"] == "gpt-4.1-mini"
    assert body["max_completion_tokens"] == 1024
    assert body["tools"][0] == {
        "type": "function",
        "function": {"name": "get_order_status", "description": LOOKUP.description, "parameters": LOOKUP.input_schema},
    }
    assert body["messages"] == [
        {"role": "system", "content": "You are Deskpilot."},
        {"role": "user", "content": "where is my order #1001?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [function_call("call_0", "get_order_status", '{"order_number": "1001"}')],
        },
        # the tool result must follow its call; the customer's message moves after it
        {"role": "tool", "tool_call_id": "call_0", "content": json.dumps({"error": "timeout"})},
        {"role": "user", "content": "hurry please"},
    ]


async def test_malformed_argument_json_comes_back_as_an_argument_error() -> None:
    calls = [
        function_call("call_1", "get_order_status", '{"order_number": "1001"'),  # truncated
        function_call("call_2", "get_order_status", '["1001"]'),  # not an object
        function_call("call_3", "handoff_to_human", ""),  # no arguments at all: fine, they are {}
    ]
    async with fake_server([completion(calls)]) as fake:
        response = await model_for(fake.url).complete(request())
    first, second, third = response.tool_calls
    assert first.arguments == {}
    assert first.argument_error is not None
    assert "not valid JSON" in first.argument_error
    assert '{"order_number": "1001"' in first.argument_error  # the model sees what it wrote
    assert second.argument_error is not None
    assert "JSON object" in second.argument_error
    assert (third.arguments, third.argument_error) == ({}, None)


async def test_streamed_text_and_argument_fragments_assemble_into_the_same_response() -> None:
    async with fake_server([tool_call_stream()]) as fake:
        events = [e async for e in model_for(fake.url).stream(request())]
    assert events[:-1] == [TextDelta("Let me check "), TextDelta("that order.")]
    assert events[-1] == EXPECTED
    body = fake.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_429_with_retry_after_is_retried_after_the_delay_the_server_asked_for() -> None:
    decisions: list[RetryDecision] = []
    sleep = RecordingSleep()
    limited = json_reply(
        {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
        status=429,
        headers={"retry-after": "3"},
    )
    ok = completion(content="Hello!", finish="stop")
    async with fake_server([limited, ok]) as fake:
        response = await model_for(fake.url, on_retry=decisions.append, sleep=sleep).complete(request())
    assert (response.text, response.stop_reason) == ("Hello!", "end_turn")
    assert len(fake.requests) == 2
    assert sleep.delays == [3.0]
    assert [(d.status, d.honoured_retry_after) for d in decisions] == [(429, True)]


async def test_retry_after_ms_is_honoured_too() -> None:
    limited = json_reply({"error": {"message": "slow down"}}, status=429, headers={"retry-after-ms": "250"})
    sleep = RecordingSleep()
    async with fake_server([limited, completion(content="ok", finish="stop")]) as fake:
        await model_for(fake.url, sleep=sleep).complete(request())
    assert sleep.delays == [0.25]


async def test_5xx_that_persists_raises_provider_unavailable_after_n_attempts() -> None:
    failing = json_reply({"error": {"message": "The server had an error", "type": "server_error"}}, status=500)
    sleep = RecordingSleep()
    async with fake_server(default=failing) as fake:
        with pytest.raises(ProviderUnavailable) as caught:
            await model_for(fake.url, sleep=sleep, policy=RetryPolicy(max_attempts=4, base_delay=0.01)).complete(
                request()
            )
    assert len(fake.requests) == 4
    assert (caught.value.provider, caught.value.attempts, caught.value.status) == ("openai", 4, 500)
    assert len(sleep.delays) == 3


async def test_a_bad_request_is_not_retried() -> None:
    bad = json_reply({"error": {"message": "context too long", "type": "invalid_request_error"}}, status=400)
    async with fake_server(default=bad) as fake:
        with pytest.raises(ProviderUnavailable) as caught:
            await model_for(fake.url).complete(request())
    assert len(fake.requests) == 1
    assert (caught.value.status, caught.value.retryable) == (400, False)


async def test_openai_compatible_server_uses_the_same_class_with_its_base_url() -> None:
    reply = completion([function_call("call_9", "get_order_status", '{"order_number": "7"}')])
    async with fake_server([reply]) as fake:
        model = model_for(fake.url, api_key=None, provider="openai_compatible", model="qwen2.5:7b")
        response = await model.complete(request())
    assert model.provider == "openai_compatible"
    assert response.tool_calls == [ToolCall("call_9", "get_order_status", {"order_number": "7"})]
    seen = fake.requests[0]
    assert seen.body["model"] == "qwen2.5:7b"
    assert seen.body["max_tokens"] == 1024  # what vLLM, Ollama and llama.cpp understand
    assert "max_completion_tokens" not in seen.body
    assert seen.headers["authorization"] == "Bearer not-needed"


async def test_a_stream_that_fails_before_any_text_is_retried() -> None:
    unavailable = json_reply({"error": {"message": "busy"}}, status=503, headers={"retry-after": "0"})
    async with fake_server([unavailable, tool_call_stream()]) as fake:
        events = [e async for e in model_for(fake.url).stream(request())]
    assert events[-1] == EXPECTED
    assert len(fake.requests) == 2


async def test_an_answer_that_is_not_a_chat_completion_is_reported_and_not_retried() -> None:
    not_a_completion = json_reply({"object": "error_page", "html": "<h1>gateway</h1>"})
    broken_chunk = sse_reply([(None, {"choices": [{"index": 0, "delta": {"tool_calls": [{"id": "call_1"}]}}]})])
    await refused_as_malformed(
        lambda url: model_for(url, sleep=RecordingSleep()), request(), not_a_completion, broken_chunk
    )
