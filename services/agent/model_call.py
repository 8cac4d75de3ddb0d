"""One model call of a turn: streamed, its text forwarded to the chat client as it is written, traced, timed.

The answer (or the failure, after the provider's own retries) goes back to ``decide.after_model`` /
``decide.model_failed``; nothing here decides anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from opentelemetry import trace

from libs.events.streaming import ReplyDelta
from libs.platform.telemetry import as_json, capture_content
from services.agent.providers import ChatModel, ModelMessage, ModelRequest, ModelResponse, TextDelta, stream_reply

log = logging.getLogger("deskpilot.agent")
tracer = trace.get_tracer("deskpilot.agent")

DeltaSink = Callable[[ReplyDelta], Awaitable[None]]


@dataclass(frozen=True)
class Answered:
    response: ModelResponse
    latency_ms: float


@dataclass(frozen=True)
class Failed:
    reason: str


async def call_model(
    model: ChatModel, request: ModelRequest, where: tuple[str, str, str], deltas: DeltaSink | None
) -> Answered | Failed:
    """Ask ``model``; ``where`` is (tenant, conversation, turn) for the streamed deltas and the logs."""
    conversation_id = where[1]
    started = time.perf_counter()
    with tracer.start_as_current_span(f"chat {model.model}", kind=trace.SpanKind.CLIENT) as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.provider.name", model.provider)
        span.set_attribute("gen_ai.request.model", model.model)
        content = span.is_recording() and capture_content()
        if content:
            span.set_attribute("gen_ai.input.messages", as_json([_message(m) for m in request.messages]))
        try:
            response = await _streamed(model, request, where, deltas)
        except Exception as exc:
            log.exception("conversation %s: model call failed for good", conversation_id)
            span.set_status(trace.StatusCode.ERROR, str(exc))
            return Failed(f"{type(exc).__name__}: {exc}")
        span.set_attribute("gen_ai.usage.input_tokens", response.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", response.output_tokens)
        span.set_attribute("gen_ai.response.finish_reasons", [response.stop_reason])
        if content:
            answer = ModelMessage(role="assistant", text=response.text, tool_calls=response.tool_calls)
            span.set_attribute("gen_ai.output.messages", as_json([_message(answer, response.stop_reason)]))
    return Answered(response, (time.perf_counter() - started) * 1000)


async def _streamed(
    model: ChatModel, request: ModelRequest, where: tuple[str, str, str], deltas: DeltaSink | None
) -> ModelResponse:
    tenant_id, conversation_id, turn_id = where
    seq, final = 0, None
    async for item in stream_reply(model, request):
        if not isinstance(item, TextDelta):
            final = item
        elif deltas is not None and item.text:
            await deltas(
                ReplyDelta(
                    tenant_id=tenant_id, conversation_id=conversation_id, turn_id=turn_id, seq=seq, text=item.text
                )
            )
            seq += 1
    if deltas is not None and seq:
        await deltas(
            ReplyDelta(
                tenant_id=tenant_id, conversation_id=conversation_id, turn_id=turn_id, seq=seq, text="", final=True
            )
        )
    if final is None:
        raise RuntimeError(f"{model.provider} ended its stream without a response")
    return final


def _message(message: ModelMessage, finish_reason: str | None = None) -> dict[str, object]:
    """One message in the GenAI semantic conventions' shape (role and parts), for ``gen_ai.*.messages``."""
    parts: list[dict[str, object]] = []
    if message.text:
        parts.append({"type": "text", "content": message.text})
    for call in message.tool_calls:
        parts.append({"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments})
    if message.role == "tool":
        parts.append({"type": "tool_call_response", "id": message.tool_call_id, "response": message.result})
    shaped: dict[str, object] = {"role": message.role, "parts": parts}
    if finish_reason is not None:
        shaped["finish_reason"] = finish_reason
    return shaped
