from http import HTTPStatus
from typing import Any, Literal

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.external_ticket_page import ExternalTicketPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    provider: Literal["zendesk"] | Unset = "zendesk",
    conversation_id: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["provider"] = provider

    json_conversation_id: None | str | Unset
    if isinstance(conversation_id, Unset):
        json_conversation_id = UNSET
    else:
        json_conversation_id = conversation_id
    params["conversation_id"] = json_conversation_id

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/integrations/tickets",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExternalTicketPage | Problem | None:
    if response.status_code == 200:
        response_200 = ExternalTicketPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[ExternalTicketPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    provider: Literal["zendesk"] | Unset = "zendesk",
    conversation_id: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[ExternalTicketPage | Problem]:
    """ExternalTickets

    Args:
        provider (Literal['zendesk'] | Unset):  Default: 'zendesk'.
        conversation_id (None | str | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExternalTicketPage | Problem]
    """

    kwargs = _get_kwargs(
        provider=provider,
        conversation_id=conversation_id,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    provider: Literal["zendesk"] | Unset = "zendesk",
    conversation_id: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> ExternalTicketPage | Problem | None:
    """ExternalTickets

    Args:
        provider (Literal['zendesk'] | Unset):  Default: 'zendesk'.
        conversation_id (None | str | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExternalTicketPage | Problem
    """

    return sync_detailed(
        client=client,
        provider=provider,
        conversation_id=conversation_id,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    provider: Literal["zendesk"] | Unset = "zendesk",
    conversation_id: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[ExternalTicketPage | Problem]:
    """ExternalTickets

    Args:
        provider (Literal['zendesk'] | Unset):  Default: 'zendesk'.
        conversation_id (None | str | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExternalTicketPage | Problem]
    """

    kwargs = _get_kwargs(
        provider=provider,
        conversation_id=conversation_id,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    provider: Literal["zendesk"] | Unset = "zendesk",
    conversation_id: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> ExternalTicketPage | Problem | None:
    """ExternalTickets

    Args:
        provider (Literal['zendesk'] | Unset):  Default: 'zendesk'.
        conversation_id (None | str | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExternalTicketPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            provider=provider,
            conversation_id=conversation_id,
            limit=limit,
        )
    ).parsed
