"""A tiny real HTTP/1.1 server on 127.0.0.1 for faking model APIs: it records every request (headers and JSON
body) and answers with scripted replies, so the real SDK clients can be driven against it through ``base_url``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest

from services.agent.providers import ModelRequest, ProviderUnavailable, StreamingChatModel


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False
    """Never answer (until the server closes): lets a client's timeout fire."""


def json_reply(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), headers=headers or {})


def sse_reply(events: list[tuple[str | None, Any]]) -> Reply:
    """Server-sent events: ``(event name or None, data)``; data that is not a string is sent as JSON."""
    parts: list[str] = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        parts.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    return Reply(200, "".join(parts).encode(), content_type="text/event-stream")


class FakeServer:
    """Answers requests with ``replies`` in order, then with ``default`` (or 500 when there is none)."""

    def __init__(self, replies: list[Reply] | None = None, default: Reply | None = None) -> None:
        self.replies = list(replies or [])
        self.default = default
        self.requests: list[Recorded] = []
        self._server: asyncio.Server | None = None
        self._closing = asyncio.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            if not request_line:
                return
            method, path, _ = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while (line := (await reader.readline()).decode()) not in ("\r\n", "\n", ""):
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Recorded(method, path, headers, json.loads(raw) if raw else None))
            reply = self.replies.pop(0) if self.replies else (self.default or Reply(500, b'{"error": "no reply"}'))
            if reply.hold:
                await self._closing.wait()
                return
            try:
                reason = HTTPStatus(reply.status).phrase
            except ValueError:
                reason = "Overloaded"
            head = [f"HTTP/1.1 {reply.status} {reason}", f"content-type: {reply.content_type}"]
            head += [f"{k}: {v}" for k, v in reply.headers.items()]
            head += [f"content-length: {len(reply.body)}", "connection: close"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
        finally:
            writer.close()


@asynccontextmanager
async def fake_server(replies: list[Reply] | None = None, default: Reply | None = None) -> AsyncIterator[FakeServer]:
    server = FakeServer(replies, default)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


class RecordingSleep:
    """Stands in for ``asyncio.sleep`` in the retry policy: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def refused_as_malformed(
    model_for: Callable[[str], StreamingChatModel], request: ModelRequest, whole: Reply, streamed: Reply
) -> None:
    """Served ``whole`` (to ``complete``) or ``streamed`` (to ``stream``), answers that are not the API's shape, the
    model raises a :class:`ProviderUnavailable` that is not retryable, after one request."""
    for reply, stream in ((whole, False), (streamed, True)):
        async with fake_server(default=reply) as fake:
            model = model_for(fake.url)
            with pytest.raises(ProviderUnavailable, match="did not match the API's schema") as caught:
                await (_drain(model, request) if stream else model.complete(request))
        assert caught.value.retryable is False
        assert len(fake.requests) == 1


async def _drain(model: StreamingChatModel, request: ModelRequest) -> None:
    async for _ in model.stream(request):
        pass
