"""One model call of a turn: streamed, its text forwarded to the chat client as it is written, traced, timed.

The answer (or the failure, after the provider's own retries) goes back to ``decide.after_model`` /
``decide.model_failed``; nothing here decides anything.
"""

from __future__ import annotations

import asyncio
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
    pieces = _Pieces(deltas, where) if deltas is not None else None
    final = None
    async for item in stream_reply(model, request):
        if not isinstance(item, TextDelta):
            final = item
        elif pieces is not None and item.text:
            pieces.add(item.text)
    if pieces is not None:
        await pieces.close()
    if final is None:
        raise RuntimeError(f"{model.provider} ended its stream without a response")
    return final


class _Pieces:
    """The reply's text forwarded as it is written, one delta per arrival: pieces the model sent together (the
    events of one network read, handed out without a pause) go out as one delta, sent once the stream waits for
    more — no delay added, fewer messages to relay (a zero-latency model's whole answer is one read). Deltas go out
    in order; the last (``final``) closes them."""

    def __init__(self, sink: DeltaSink, where: tuple[str, str, str]) -> None:
        self._sink = sink
        self._tenant_id, self._conversation_id, self._turn_id = where
        self._text: list[str] = []
        self._seq = 0
        self._sending: asyncio.Task[None] | None = None

    def add(self, text: str) -> None:
        if not self._text:  # the first piece since the last send: send when this task next waits
            self._sending = asyncio.ensure_future(self._send(self._sending))
        self._text.append(text)

    async def close(self) -> None:
        if self._sending is None:
            return  # no text: no deltas at all
        await self._send(self._sending, final=True)

    async def _send(self, before: asyncio.Task[None] | None, final: bool = False) -> None:
        if before is not None:
            await before  # in order, whatever the sink's pace
        try:
            if self._text:
                text, self._text = "".join(self._text), []
                await self._sink(self._delta(text))
            if final:
                await self._sink(self._delta("", final=True))
        except Exception as exc:  # deltas are a courtesy: the stored reply carries the whole text
            log.warning("conversation %s: a reply delta was not sent (%r)", self._conversation_id, exc)

    def _delta(self, text: str, final: bool = False) -> ReplyDelta:
        delta = ReplyDelta(
            tenant_id=self._tenant_id,
            conversation_id=self._conversation_id,
            turn_id=self._turn_id,
            seq=self._seq,
            text=text,
            final=final,
        )
        self._seq += 1
        return delta


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
