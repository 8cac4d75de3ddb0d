from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.imported import Imported
from ...models.problem import Problem
from ...models.v1_knowledge_imports_import_file_status import V1KnowledgeImportsImportFileStatus
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: File,
    filename: str | Unset = "",
    status: V1KnowledgeImportsImportFileStatus | Unset = V1KnowledgeImportsImportFileStatus.PUBLISHED,
    locale: str | Unset = "en",
    collection_id: None | str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["filename"] = filename

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["locale"] = locale

    json_collection_id: None | str | Unset
    if isinstance(collection_id, Unset):
        json_collection_id = UNSET
    else:
        json_collection_id = collection_id
    params["collection_id"] = json_collection_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/knowledge/imports",
        "params": params,
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Imported | Problem | None:
    if response.status_code == 201:
        response_201 = Imported.from_dict(response.json())

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

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Imported | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: File,
    filename: str | Unset = "",
    status: V1KnowledgeImportsImportFileStatus | Unset = V1KnowledgeImportsImportFileStatus.PUBLISHED,
    locale: str | Unset = "en",
    collection_id: None | str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Imported | Problem]:
    """ImportFile

    Args:
        filename (str | Unset):  Default: ''.
        status (V1KnowledgeImportsImportFileStatus | Unset):  Default:
            V1KnowledgeImportsImportFileStatus.PUBLISHED.
        locale (str | Unset):  Default: 'en'.
        collection_id (None | str | Unset):
        idempotency_key (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Imported | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        filename=filename,
        status=status,
        locale=locale,
        collection_id=collection_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: File,
    filename: str | Unset = "",
    status: V1KnowledgeImportsImportFileStatus | Unset = V1KnowledgeImportsImportFileStatus.PUBLISHED,
    locale: str | Unset = "en",
    collection_id: None | str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Imported | Problem | None:
    """ImportFile

    Args:
        filename (str | Unset):  Default: ''.
        status (V1KnowledgeImportsImportFileStatus | Unset):  Default:
            V1KnowledgeImportsImportFileStatus.PUBLISHED.
        locale (str | Unset):  Default: 'en'.
        collection_id (None | str | Unset):
        idempotency_key (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Imported | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        filename=filename,
        status=status,
        locale=locale,
        collection_id=collection_id,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: File,
    filename: str | Unset = "",
    status: V1KnowledgeImportsImportFileStatus | Unset = V1KnowledgeImportsImportFileStatus.PUBLISHED,
    locale: str | Unset = "en",
    collection_id: None | str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Imported | Problem]:
    """ImportFile

    Args:
        filename (str | Unset):  Default: ''.
        status (V1KnowledgeImportsImportFileStatus | Unset):  Default:
            V1KnowledgeImportsImportFileStatus.PUBLISHED.
        locale (str | Unset):  Default: 'en'.
        collection_id (None | str | Unset):
        idempotency_key (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Imported | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        filename=filename,
        status=status,
        locale=locale,
        collection_id=collection_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: File,
    filename: str | Unset = "",
    status: V1KnowledgeImportsImportFileStatus | Unset = V1KnowledgeImportsImportFileStatus.PUBLISHED,
    locale: str | Unset = "en",
    collection_id: None | str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Imported | Problem | None:
    """ImportFile

    Args:
        filename (str | Unset):  Default: ''.
        status (V1KnowledgeImportsImportFileStatus | Unset):  Default:
            V1KnowledgeImportsImportFileStatus.PUBLISHED.
        locale (str | Unset):  Default: 'en'.
        collection_id (None | str | Unset):
        idempotency_key (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Imported | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            filename=filename,
            status=status,
            locale=locale,
            collection_id=collection_id,
            idempotency_key=idempotency_key,
        )
    ).parsed
