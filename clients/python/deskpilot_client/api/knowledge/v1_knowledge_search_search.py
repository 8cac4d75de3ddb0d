from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.search_results import SearchResults
from ...models.v1_knowledge_search_search_mode import V1KnowledgeSearchSearchMode
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str,
    limit: int | Unset = 10,
    mode: V1KnowledgeSearchSearchMode | Unset = V1KnowledgeSearchSearchMode.HYBRID,
    locale: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    params["limit"] = limit

    json_mode: str | Unset = UNSET
    if not isinstance(mode, Unset):
        json_mode = mode.value

    params["mode"] = json_mode

    json_locale: None | str | Unset
    if isinstance(locale, Unset):
        json_locale = UNSET
    else:
        json_locale = locale
    params["locale"] = json_locale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/knowledge/search",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SearchResults | None:
    if response.status_code == 200:
        response_200 = SearchResults.from_dict(response.json())

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
) -> Response[Problem | SearchResults]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    q: str,
    limit: int | Unset = 10,
    mode: V1KnowledgeSearchSearchMode | Unset = V1KnowledgeSearchSearchMode.HYBRID,
    locale: None | str | Unset = UNSET,
) -> Response[Problem | SearchResults]:
    """Search

    Args:
        q (str):
        limit (int | Unset):  Default: 10.
        mode (V1KnowledgeSearchSearchMode | Unset):  Default: V1KnowledgeSearchSearchMode.HYBRID.
        locale (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResults]
    """

    kwargs = _get_kwargs(
        q=q,
        limit=limit,
        mode=mode,
        locale=locale,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    q: str,
    limit: int | Unset = 10,
    mode: V1KnowledgeSearchSearchMode | Unset = V1KnowledgeSearchSearchMode.HYBRID,
    locale: None | str | Unset = UNSET,
) -> Problem | SearchResults | None:
    """Search

    Args:
        q (str):
        limit (int | Unset):  Default: 10.
        mode (V1KnowledgeSearchSearchMode | Unset):  Default: V1KnowledgeSearchSearchMode.HYBRID.
        locale (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResults
    """

    return sync_detailed(
        client=client,
        q=q,
        limit=limit,
        mode=mode,
        locale=locale,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    q: str,
    limit: int | Unset = 10,
    mode: V1KnowledgeSearchSearchMode | Unset = V1KnowledgeSearchSearchMode.HYBRID,
    locale: None | str | Unset = UNSET,
) -> Response[Problem | SearchResults]:
    """Search

    Args:
        q (str):
        limit (int | Unset):  Default: 10.
        mode (V1KnowledgeSearchSearchMode | Unset):  Default: V1KnowledgeSearchSearchMode.HYBRID.
        locale (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResults]
    """

    kwargs = _get_kwargs(
        q=q,
        limit=limit,
        mode=mode,
        locale=locale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    q: str,
    limit: int | Unset = 10,
    mode: V1KnowledgeSearchSearchMode | Unset = V1KnowledgeSearchSearchMode.HYBRID,
    locale: None | str | Unset = UNSET,
) -> Problem | SearchResults | None:
    """Search

    Args:
        q (str):
        limit (int | Unset):  Default: 10.
        mode (V1KnowledgeSearchSearchMode | Unset):  Default: V1KnowledgeSearchSearchMode.HYBRID.
        locale (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResults
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            limit=limit,
            mode=mode,
            locale=locale,
        )
    ).parsed
