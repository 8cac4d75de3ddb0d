from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_server import HttpServer
from ...models.mcp_server_info import McpServerInfo
from ...models.problem import Problem
from ...models.stdio_server import StdioServer
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: HttpServer | StdioServer,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/integrations/mcp",
    }

    if isinstance(body, StdioServer):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> McpServerInfo | Problem | None:
    if response.status_code == 201:
        response_201 = McpServerInfo.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[McpServerInfo | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HttpServer | StdioServer,
    idempotency_key: str | Unset = UNSET,
) -> Response[McpServerInfo | Problem]:
    """RegisterMcpServer

    Args:
        idempotency_key (str | Unset):
        body (HttpServer | StdioServer): An MCP server a tenant connects, by ``transport``: a
            stdio ``command`` (+ ``args``, ``env``) or a
            streamable-HTTP ``url`` (+ ``headers``). Registering an existing name replaces it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[McpServerInfo | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: HttpServer | StdioServer,
    idempotency_key: str | Unset = UNSET,
) -> McpServerInfo | Problem | None:
    """RegisterMcpServer

    Args:
        idempotency_key (str | Unset):
        body (HttpServer | StdioServer): An MCP server a tenant connects, by ``transport``: a
            stdio ``command`` (+ ``args``, ``env``) or a
            streamable-HTTP ``url`` (+ ``headers``). Registering an existing name replaces it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        McpServerInfo | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HttpServer | StdioServer,
    idempotency_key: str | Unset = UNSET,
) -> Response[McpServerInfo | Problem]:
    """RegisterMcpServer

    Args:
        idempotency_key (str | Unset):
        body (HttpServer | StdioServer): An MCP server a tenant connects, by ``transport``: a
            stdio ``command`` (+ ``args``, ``env``) or a
            streamable-HTTP ``url`` (+ ``headers``). Registering an existing name replaces it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[McpServerInfo | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HttpServer | StdioServer,
    idempotency_key: str | Unset = UNSET,
) -> McpServerInfo | Problem | None:
    """RegisterMcpServer

    Args:
        idempotency_key (str | Unset):
        body (HttpServer | StdioServer): An MCP server a tenant connects, by ``transport``: a
            stdio ``command`` (+ ``args``, ``env``) or a
            streamable-HTTP ``url`` (+ ``headers``). Registering an existing name replaces it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        McpServerInfo | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
