"""Sessions with an MCP server (a stdio subprocess or streamable HTTP), one per listing or call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from libs.platform.destinations import Destinations


@asynccontextmanager
async def open_session(
    transport: str,
    command: str | None,
    args: list[str],
    url: str | None,
    secrets: dict[str, Any],
    timeout: float,
    destinations: Destinations,
) -> AsyncIterator[Client]:
    """A client session; ``secrets`` holds the stdio ``env`` or the HTTP ``headers`` (from the vault). Every
    connection of an HTTP session goes to an address ``destinations`` checked, and redirects are not followed."""
    if transport == "stdio":
        assert command is not None
        params = StdioServerParameters(command=command, args=args, env=secrets.get("env") or None)
        async with Client(params, read_timeout_seconds=timeout) as client:
            yield client
        return
    assert url is not None
    async with (
        destinations.client(headers=secrets.get("headers") or {}, timeout=timeout) as http,
        Client(streamable_http_client(url, http_client=http), read_timeout_seconds=timeout) as client,
    ):
        yield client


def failure_kind(exc: BaseException) -> str:
    """What went wrong, by exception type only: a third-party server's messages may quote its secrets."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return failure_kind(exc.exceptions[0])
    return type(exc).__name__
