"""A model server speaking Anthropic's Messages wire protocol (streaming), with the manners of a shop assistant.

For benchmarks and end-to-end tests that need a real model client (the ``anthropic`` SDK, through
``ANTHROPIC_BASE_URL``) without a model: it answers at once (or after ``model_ms``), keeps HTTP/1.1 connections
alive as the real API does, and decides from the request alone, like a model would:

* the last message carries a tool result → a short text reply quoting it (streamed in a few deltas);
* the customer mentions an order number (``#1001``, ``order 1002``) → ``get_order_status`` for it;
* the customer asks for a person → ``handoff_to_human``;
* anything else → a short text reply.

Run it on its own with ``python -m tests.fakes.shop_model --port 0 [--model-ms 500]``: it prints its URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

ORDER = re.compile(r"(?:#|order\s+(?:number\s+)?)(\d{3,12})", re.IGNORECASE)
PERSON = re.compile(r"\b(human|person|someone|agent|colleague)\b", re.IGNORECASE)
_ids = itertools.count(1)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")


def _tool_result_of(content: Any) -> str | None:
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                value = block.get("content", "")
                return value if isinstance(value, str) else json.dumps(value)
    return None


def answer(body: dict[str, Any]) -> tuple[list[str], dict[str, Any] | None]:
    """What the model says to this request: text pieces and at most one tool call ``{"name", "input"}``."""
    messages = body.get("messages") or [{}]
    last = messages[-1].get("content", "")
    tools = {t.get("name") for t in body.get("tools", [])}
    result = _tool_result_of(last)
    if result is not None:
        return ["Here is what I found: ", result[:120], "."], None
    text = _text_of(last)
    if PERSON.search(text) and "handoff_to_human" in tools:
        return [], {"name": "handoff_to_human", "input": {"reason": "the customer asked for a person"}}
    if (match := ORDER.search(text)) and "get_order_status" in tools:
        return ["Let me look that up."], {"name": "get_order_status", "input": {"order_number": match.group(1)}}
    return ["Happy to help. ", "What can I do for you?"], None


def _sse(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


Answer = Callable[[dict[str, Any]], tuple[list[str], dict[str, Any] | None]]


def stream(body: dict[str, Any], answering: Answer = answer) -> bytes:
    """The whole streamed response to ``body`` as server-sent events."""
    pieces, tool = answering(body)
    model = body.get("model", "claude-sonnet-4-6")
    usage = {"input_tokens": 200, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    start = {"id": f"msg_{next(_ids)}", "type": "message", "role": "assistant", "model": model, "content": []}
    out = [_sse("message_start", {"type": "message_start", "message": {**start, "usage": usage}})]
    index = 0
    if pieces:
        text_block = {"type": "text", "text": ""}
        out.append(
            _sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": text_block})
        )
        for piece in pieces:
            delta = {"type": "text_delta", "text": piece}
            out.append(_sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}))
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    if tool is not None:
        block = {"type": "tool_use", "id": f"toolu_{next(_ids)}", "name": tool["name"], "input": {}}
        out.append(_sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": block}))
        delta = {"type": "input_json_delta", "partial_json": json.dumps(tool["input"])}
        out.append(_sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    stop = "tool_use" if tool is not None else "end_turn"
    out.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 20},
            },
        )
    )
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


class ShopModel:
    """The server; ``requests`` counts the model calls it answered, ``asked`` the last message text of each."""

    def __init__(self, model_ms: float = 0.0, answering: Answer = answer) -> None:
        self.model_ms = model_ms
        self.answering = answering
        self.requests = 0
        self.asked: list[str] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one request after another on the same connection
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                raw = await reader.readexactly(length) if length else b""
                if method != "POST" or not path.split("?")[0].endswith("/messages"):
                    writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                self.requests += 1
                request = json.loads(raw)
                self.asked.append(_text_of((request.get("messages") or [{}])[-1].get("content", "")))
                if self.model_ms:
                    await asyncio.sleep(self.model_ms / 1000)
                body = stream(request, self.answering)
                head = (
                    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    f"content-length: {len(body)}\r\nrequest-id: req_{self.requests}\r\n\r\n"
                )
                writer.write(head.encode() + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def shop_model(model_ms: float = 0.0) -> AsyncIterator[ShopModel]:
    server = ShopModel(model_ms)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def _main(port: int, model_ms: float) -> None:
    server = ShopModel(model_ms)
    await server.start(port)
    print(server.url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model-ms", type=float, default=0.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.port, args.model_ms))
