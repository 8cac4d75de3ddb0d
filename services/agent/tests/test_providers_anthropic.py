"""The Anthropic provider through the real ``anthropic`` SDK against a local fake of the Messages API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from libs.events import ToolSpec
from services.agent.providers import (
    HANDOFF_TOOL,
    AnthropicModel,
    ChatModel,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    OfflineModel,
    OpenAIModel,
    ProviderUnavailable,
    RetryDecision,
    RetryPolicy,
    StreamingChatModel,
    TextDelta,
    ToolCall,
    stream_reply,
)
from services.agent.tests.fake_llm_server import (
    RecordingSleep,
    Reply,
    fake_server,
    json_reply,
    refused_as_malformed,
    sse_reply,
)

KEY = "sk-ant-test-key"
LOOKUP = ToolSpec(
    name="get_order_status",
    description="Look up an order by its number.",
    input_schema={"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]},
    service="integrations",
)
EPHEMERAL = {"type": "ephemeral"}
USAGE = {"input_tokens": 12, "output_tokens": 30, "cache_read_input_tokens": 1800, "cache_creation_input_tokens": 250}


def message(content: list[dict[str, Any]], stop_reason: str = "tool_use", usage: dict[str, int] = USAGE) -> Reply:
    return json_reply(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
    )


TOOL_USE_MESSAGE: list[dict[str, Any]] = [
    {"type": "text", "text": "Let me check that order."},
    {"type": "tool_use", "id": "toolu_1", "name": "get_order_status", "input": {"order_number": "1001"}},
]


def tool_use_stream() -> Reply:
    """The same answer as TOOL_USE_MESSAGE, streamed: text in pieces and the tool input as partial JSON."""
    start: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**USAGE, "output_tokens": 1},
    }

    def delta(index: int, d: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}

    return sse_reply(
        [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            ("ping", {"type": "ping"}),
            delta(0, {"type": "text_delta", "text": "Let me check "}),
            delta(0, {"type": "text_delta", "text": "that order."}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 1,
                    "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_order_status", "input": {}},
                },
            ),
            delta(1, {"type": "input_json_delta", "partial_json": ""}),
            delta(1, {"type": "input_json_delta", "partial_json": '{"order_'}),
            delta(1, {"type": "input_json_delta", "partial_json": 'number": "10'}),
            delta(1, {"type": "input_json_delta", "partial_json": '01"}'}),
            ("content_block_stop", {"type": "content_block_stop", "index": 1}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                    "usage": {"output_tokens": 30},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
    )


EXPECTED = ModelResponse(
    text="Let me check that order.",
    tool_calls=[ToolCall("toolu_1", "get_order_status", {"order_number": "1001"})],
    input_tokens=12,
    output_tokens=30,
    stop_reason="tool_use",
    cache_read_tokens=1800,
    cache_write_tokens=250,
)

HISTORY = [
    ModelMessage(role="user", text="where is my order #1001?"),
    ModelMessage(role="assistant", tool_calls=[ToolCall("toolu_0", "get_order_status", {"order_number": "1001"})]),
    ModelMessage(role="tool", tool_call_id="toolu_0", tool_name="get_order_status", text="timeout", is_error=True),
]


def model_for(url: str, **kwargs: Any) -> AnthropicModel:
    kwargs.setdefault("policy", RetryPolicy(max_attempts=3, base_delay=0.01, timeout=5))
    return AnthropicModel(api_key=KEY, base_url=url, **kwargs)


def request(messages: list[ModelMessage] | None = None) -> ModelRequest:
    return ModelRequest("You are Deskpilot.", messages or HISTORY, [LOOKUP, HANDOFF_TOOL])


async def test_tool_use_maps_to_tool_calls_with_usage_and_cache_fields() -> None:
    async with fake_server([message(TOOL_USE_MESSAGE)]) as fake:
        response = await model_for(fake.url).complete(request())
    assert response == EXPECTED
    (seen,) = fake.requests
    assert (seen.method, seen.path) == ("POST", "/v1/messages")
    assert seen.body["model"] == "claude-sonnet-4-6"
    assert seen.body["max_tokens"] == 1024


async def test_streamed_text_and_partial_json_assemble_into_the_same_response() -> None:
    async with fake_server([tool_use_stream()]) as fake:
        events = [e async for e in model_for(fake.url).stream(request())]
    assert events[:-1] == [TextDelta("Let me check "), TextDelta("that order.")]
    assert events[-1] == EXPECTED
    assert fake.requests[0].body["stream"] is True


async def test_the_request_carries_tools_history_and_three_cache_breakpoints() -> None:
    history = [
        *HISTORY,
        ModelMessage(role="assistant", text="Sorry, that failed; trying again."),
        ModelMessage(role="assistant", tool_calls=[ToolCall("toolu_2", "get_order_status", {"order_number": "1001"})]),
        ModelMessage(role="user", text="hurry please"),  # arrived while the tool ran
        ModelMessage(role="tool", tool_call_id="toolu_2", tool_name="get_order_status", result={"status": "shipped"}),
    ]
    async with fake_server([message(TOOL_USE_MESSAGE)]) as fake:
        await model_for(fake.url).complete(request(history))
    body = fake.requests[0].body
    assert body["system"] == [{"type": "text", "text": "You are Deskpilot.", "cache_control": EPHEMERAL}]
    assert [t["name"] for t in body["tools"]] == ["get_order_status", "handoff_to_human"]
    assert body["tools"][0]["input_schema"] == LOOKUP.input_schema
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][-1]["cache_control"] == EPHEMERAL
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "where is my order #1001?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_0", "name": "get_order_status", "input": {"order_number": "1001"}}
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": "timeout", "is_error": True}],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Sorry, that failed; trying again."},
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "get_order_status",
                    "input": {"order_number": "1001"},
                    # the stable prefix: everything up to the newest user/tool turn
                    "cache_control": EPHEMERAL,
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": '{"status": "shipped"}'},
                {"type": "text", "text": "hurry please"},
            ],
        },
    ]
    breakpoints = str(body).count("'cache_control'")
    assert breakpoints == 3  # the API allows four


async def test_the_key_goes_as_a_bearer_token() -> None:
    async with fake_server([message(TOOL_USE_MESSAGE)]) as fake:
        await model_for(fake.url).complete(request())
    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in headers
    assert headers["anthropic-version"]


async def test_429_with_retry_after_is_retried_after_the_delay_the_server_asked_for() -> None:
    decisions: list[RetryDecision] = []
    sleep = RecordingSleep()
    limited = json_reply(
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        status=429,
        headers={"retry-after": "7"},
    )
    async with fake_server([limited, message(TOOL_USE_MESSAGE)]) as fake:
        response = await model_for(fake.url, on_retry=decisions.append, sleep=sleep).complete(request())
    assert response == EXPECTED
    assert len(fake.requests) == 2
    assert sleep.delays == [7.0]
    (decision,) = decisions
    assert (decision.attempt, decision.status, decision.honoured_retry_after) == (1, 429, True)
    assert "rate_limit_error" in decision.reason


async def test_retry_after_as_an_http_date_and_retry_after_zero_really_retry() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    limited = json_reply({"type": "error", "error": {"type": "rate_limit_error"}}, status=429)
    dated = Reply(limited.status, limited.body, headers={"retry-after": when})
    at_once = Reply(limited.status, limited.body, headers={"retry-after": "0"})
    sleep = RecordingSleep()
    async with fake_server([dated, message(TOOL_USE_MESSAGE)]) as fake:
        await model_for(fake.url, sleep=sleep).complete(request())
    assert 27 <= sleep.delays[0] <= 30
    # With the real asyncio.sleep: retry-after: 0 means the second attempt follows at once.
    async with fake_server([at_once, message(TOOL_USE_MESSAGE)]) as fake:
        assert await model_for(fake.url).complete(request()) == EXPECTED
    assert len(fake.requests) == 2


async def test_overloaded_529_that_persists_raises_provider_unavailable_after_n_attempts() -> None:
    overloaded = json_reply({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, 529)
    sleep = RecordingSleep()
    async with fake_server(default=overloaded) as fake:
        with pytest.raises(ProviderUnavailable) as caught:
            await model_for(fake.url, sleep=sleep).complete(request())
    assert len(fake.requests) == 3
    assert (caught.value.provider, caught.value.attempts, caught.value.status) == ("anthropic", 3, 529)
    assert "overloaded_error" in caught.value.reason
    assert len(sleep.delays) == 2
    assert sleep.delays[1] > sleep.delays[0]  # exponential backoff (jitter takes at most a quarter off)


async def test_a_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    limited = json_reply({"type": "error", "error": {"type": "rate_limit_error"}}, 429, headers={"retry-after": "600"})
    async with fake_server(default=limited) as fake:
        with pytest.raises(ProviderUnavailable, match="deadline"):
            await model_for(fake.url, policy=RetryPolicy(deadline=60), sleep=RecordingSleep()).complete(request())
    assert len(fake.requests) == 1


async def test_a_rejected_key_is_not_retried_and_the_error_holds_no_secret() -> None:
    denied = json_reply(
        {"type": "error", "error": {"type": "authentication_error", "message": f"invalid key {KEY}"}}, 401
    )
    async with fake_server(default=denied) as fake:
        with pytest.raises(ProviderUnavailable) as caught:
            await model_for(fake.url).complete(request())
    assert len(fake.requests) == 1
    assert caught.value.retryable is False
    assert caught.value.status == 401
    assert KEY not in str(caught.value)


async def test_connection_refused_and_timeouts_are_retried_then_reported() -> None:
    async with fake_server() as fake:
        closed_url = fake.url
    sleep = RecordingSleep()
    with pytest.raises(ProviderUnavailable, match="connection failed"):
        await model_for(closed_url, sleep=sleep).complete(request())
    assert len(sleep.delays) == 2
    async with fake_server(default=Reply(hold=True)) as fake:
        slow = model_for(fake.url, policy=RetryPolicy(max_attempts=2, timeout=0.3, base_delay=0.01))
        with pytest.raises(ProviderUnavailable, match="timed out"):
            await slow.complete(request())
        assert len(fake.requests) == 2


async def test_a_stream_that_fails_before_any_text_is_retried() -> None:
    overloaded = sse_reply([("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})])
    async with fake_server([overloaded, tool_use_stream()]) as fake:
        events = [e async for e in model_for(fake.url, sleep=RecordingSleep()).stream(request())]
    assert events[-1] == EXPECTED
    assert len(fake.requests) == 2


async def test_a_stream_that_breaks_after_text_is_not_retried() -> None:
    start: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    broken = sse_reply(
        [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
            ),
            ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
        ]
    )
    received: list[object] = []

    async def consume(url: str) -> None:
        async for event in model_for(url, sleep=RecordingSleep()).stream(request()):
            received.append(event)

    async with fake_server([broken], default=tool_use_stream()) as fake:
        with pytest.raises(ProviderUnavailable, match="after the reply had started"):
            await consume(fake.url)
    assert received == [TextDelta("Hel")]
    assert len(fake.requests) == 1


async def test_every_model_satisfies_the_same_protocol() -> None:
    models: list[object] = [
        OfflineModel(),
        AnthropicModel(api_key=KEY, base_url="http://127.0.0.1:9"),
        OpenAIModel(api_key="k", base_url="http://127.0.0.1:9"),
        OpenAIModel(api_key=None, base_url="http://127.0.0.1:9/v1", provider="openai_compatible", model="llama3"),
    ]
    for model in models:
        assert isinstance(model, ChatModel)
        assert isinstance(model, StreamingChatModel)

    class CompleteOnly:
        provider = "offline"
        model = "deskpilot-offline-1"

        async def complete(self, request: ModelRequest) -> ModelResponse:
            return ModelResponse("hello", [], 1, 1, "end_turn")

    plain = CompleteOnly()
    assert isinstance(plain, ChatModel)
    assert not isinstance(plain, StreamingChatModel)
    events = [e async for e in stream_reply(plain, request())]
    assert events == [TextDelta("hello"), ModelResponse("hello", [], 1, 1, "end_turn")]


async def test_offline_model_streams_its_text_word_by_word() -> None:
    events = [e async for e in OfflineModel().stream(request([ModelMessage(role="user", text="hi")]))]
    *deltas, response = events
    assert isinstance(response, ModelResponse)
    assert len(deltas) == len(response.text.split()) > 1
    assert all(isinstance(d, TextDelta) for d in deltas)
    assert "".join(d.text for d in deltas if isinstance(d, TextDelta)) == response.text


async def test_an_answer_that_is_not_the_messages_api_shape_is_reported_and_not_retried() -> None:
    not_a_message = json_reply({"type": "error_page", "html": "<h1>gateway</h1>"})
    broken_event = sse_reply([("content_block_delta", {"type": "content_block_delta", "index": 0})])
    await refused_as_malformed(
        lambda url: model_for(url, sleep=RecordingSleep()), request(), not_a_message, broken_event
    )
