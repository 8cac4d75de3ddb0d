"""A lean HTTP/1.1 client for the gateway: the request target goes out byte for byte as the client sent it.

General-purpose clients normalise what they send (dot segments removed, percent-encodings re-encoded, control
characters refused with an exception); a gateway must not: ``%2F``, ``%3F`` and ``..`` are the service's to
interpret. This client writes the raw path and query, keeps idle connections per upstream for reuse, and hands the
response back head first, body as it arrives (content-length, chunked, or until the upstream closes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
IDLE_PER_UPSTREAM = 32
HEAD_TIMEOUT = 60.0
"""How long a service may take to start its answer (a stream's head comes at once; its body has no limit)."""


class UpstreamUnavailable(Exception):
    """The upstream refused the connection, or closed it before a response head (it is starting or restarting)."""


@dataclass
class UpstreamResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    _reader: asyncio.StreamReader
    _writer: asyncio.StreamWriter
    _pool: ConnectionPool
    _length: int | None
    _chunked: bool
    _reusable: bool
    _done: bool = field(default=False)
    _released: bool = field(default=False)

    async def body(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive (decoded from chunked transfer encoding)."""
        try:
            if self._chunked:
                async for chunk in self._chunks():
                    yield chunk
            elif self._length is not None:
                left = self._length
                while left > 0:
                    chunk = await self._reader.read(min(left, 65536))
                    if not chunk:
                        raise ConnectionError("upstream closed mid-body")
                    left -= len(chunk)
                    yield chunk
            else:
                self._reusable = False
                while chunk := await self._reader.read(65536):
                    yield chunk
            self._done = True
        finally:
            self.release()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            size_line = await self._reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await self._reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers are dropped
                return
            data = await self._reader.readexactly(size + 2)
            yield data[:-2]

    def release(self) -> None:
        """Give the connection back for reuse if the whole response was read, else close it (once)."""
        if self._released:
            return
        self._released = True
        if self._done and self._reusable:
            self._pool.give_back(self._reader, self._writer)
        else:
            self._writer.close()


class ConnectionPool:
    """Idle keep-alive connections to one upstream ``host:port``."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    def give_back(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._idle) < IDLE_PER_UPSTREAM and not writer.is_closing():
            self._idle.append((reader, writer))
        else:
            writer.close()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer, True
            writer.close()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 5)
        except (OSError, TimeoutError) as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        return reader, writer, False

    async def request(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamResponse:
        """Send one request; a reused connection the upstream had closed meanwhile is retried once on a new one."""
        head = b"%s %s HTTP/1.1\r\nhost: %s:%d\r\n" % (method.encode(), target, self.host.encode(), self.port)
        head += b"".join(b"%s: %s\r\n" % (k, v) for k, v in headers)
        head += b"content-length: %d\r\n\r\n" % len(body) if body or method not in ("GET", "HEAD") else b"\r\n"
        for _attempt in range(2):
            reader, writer, reused = await self._connection()
            try:
                writer.write(head + body)
                await writer.drain()
                return await asyncio.wait_for(self._response(method, reader, writer), HEAD_TIMEOUT)
            except TimeoutError:
                writer.close()
                raise
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                writer.close()
                if not reused:
                    raise UpstreamUnavailable(str(exc)) from exc
        raise UpstreamUnavailable("no connection")

    async def _response(
        self, method: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> UpstreamResponse:
        raw = await reader.readuntil(b"\r\n\r\n")
        if len(raw) > MAX_HEAD:
            raise ValueError("response head too large")
        lines = raw[:-4].split(b"\r\n")
        version, status_text = lines[0].split(b" ", 2)[:2]
        status = int(status_text)
        headers: list[tuple[bytes, bytes]] = []
        length, chunked, reusable = None, False, version == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection" and value.lower() == b"close":
                reusable = False
            headers.append((name, value))
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            length, chunked = 0, False
        return UpstreamResponse(status, headers, reader, writer, self, length, chunked, reusable)

    def close(self) -> None:
        for _, writer in self._idle:
            with contextlib.suppress(Exception):
                writer.close()
        self._idle.clear()
