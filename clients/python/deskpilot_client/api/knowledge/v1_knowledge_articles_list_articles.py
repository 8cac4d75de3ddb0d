from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.article_list import ArticleList
from ...models.problem import Problem
from ...models.v1_knowledge_articles_list_articles_status_type_1 import V1KnowledgeArticlesListArticlesStatusType1
from ...models.v1_knowledge_articles_list_articles_status_type_2_type_1 import (
    V1KnowledgeArticlesListArticlesStatusType2Type1,
)
from ...models.v1_knowledge_articles_list_articles_status_type_3_type_1 import (
    V1KnowledgeArticlesListArticlesStatusType3Type1,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: None
    | Unset
    | V1KnowledgeArticlesListArticlesStatusType1
    | V1KnowledgeArticlesListArticlesStatusType2Type1
    | V1KnowledgeArticlesListArticlesStatusType3Type1 = UNSET,
    collection_id: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    locale: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, V1KnowledgeArticlesListArticlesStatusType1):
        json_status = status.value
    elif isinstance(status, V1KnowledgeArticlesListArticlesStatusType2Type1):
        json_status = status.value
    elif isinstance(status, V1KnowledgeArticlesListArticlesStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_collection_id: None | str | Unset
    if isinstance(collection_id, Unset):
        json_collection_id = UNSET
    else:
        json_collection_id = collection_id
    params["collection_id"] = json_collection_id

    json_tag: None | str | Unset
    if isinstance(tag, Unset):
        json_tag = UNSET
    else:
        json_tag = tag
    params["tag"] = json_tag

    json_locale: None | str | Unset
    if isinstance(locale, Unset):
        json_locale = UNSET
    else:
        json_locale = locale
    params["locale"] = json_locale

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/knowledge/articles",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ArticleList | Problem | None:
    if response.status_code == 200:
        response_200 = ArticleList.from_dict(response.json())

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
) -> Response[ArticleList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: None
    | Unset
    | V1KnowledgeArticlesListArticlesStatusType1
    | V1KnowledgeArticlesListArticlesStatusType2Type1
    | V1KnowledgeArticlesListArticlesStatusType3Type1 = UNSET,
    collection_id: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    locale: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[ArticleList | Problem]:
    """ListArticles

    Args:
        status (None | Unset | V1KnowledgeArticlesListArticlesStatusType1 |
            V1KnowledgeArticlesListArticlesStatusType2Type1 |
            V1KnowledgeArticlesListArticlesStatusType3Type1):
        collection_id (None | str | Unset):
        tag (None | str | Unset):
        locale (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ArticleList | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        collection_id=collection_id,
        tag=tag,
        locale=locale,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: None
    | Unset
    | V1KnowledgeArticlesListArticlesStatusType1
    | V1KnowledgeArticlesListArticlesStatusType2Type1
    | V1KnowledgeArticlesListArticlesStatusType3Type1 = UNSET,
    collection_id: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    locale: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> ArticleList | Problem | None:
    """ListArticles

    Args:
        status (None | Unset | V1KnowledgeArticlesListArticlesStatusType1 |
            V1KnowledgeArticlesListArticlesStatusType2Type1 |
            V1KnowledgeArticlesListArticlesStatusType3Type1):
        collection_id (None | str | Unset):
        tag (None | str | Unset):
        locale (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ArticleList | Problem
    """

    return sync_detailed(
        client=client,
        status=status,
        collection_id=collection_id,
        tag=tag,
        locale=locale,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: None
    | Unset
    | V1KnowledgeArticlesListArticlesStatusType1
    | V1KnowledgeArticlesListArticlesStatusType2Type1
    | V1KnowledgeArticlesListArticlesStatusType3Type1 = UNSET,
    collection_id: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    locale: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[ArticleList | Problem]:
    """ListArticles

    Args:
        status (None | Unset | V1KnowledgeArticlesListArticlesStatusType1 |
            V1KnowledgeArticlesListArticlesStatusType2Type1 |
            V1KnowledgeArticlesListArticlesStatusType3Type1):
        collection_id (None | str | Unset):
        tag (None | str | Unset):
        locale (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ArticleList | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        collection_id=collection_id,
        tag=tag,
        locale=locale,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: None
    | Unset
    | V1KnowledgeArticlesListArticlesStatusType1
    | V1KnowledgeArticlesListArticlesStatusType2Type1
    | V1KnowledgeArticlesListArticlesStatusType3Type1 = UNSET,
    collection_id: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    locale: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> ArticleList | Problem | None:
    """ListArticles

    Args:
        status (None | Unset | V1KnowledgeArticlesListArticlesStatusType1 |
            V1KnowledgeArticlesListArticlesStatusType2Type1 |
            V1KnowledgeArticlesListArticlesStatusType3Type1):
        collection_id (None | str | Unset):
        tag (None | str | Unset):
        locale (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ArticleList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            collection_id=collection_id,
            tag=tag,
            locale=locale,
            limit=limit,
        )
    ).parsed
