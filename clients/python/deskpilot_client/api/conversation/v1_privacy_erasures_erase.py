from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.privacy_accepted import PrivacyAccepted
from ...models.privacy_subject_type_0 import PrivacySubjectType0
from ...models.privacy_subject_type_1 import PrivacySubjectType1
from ...models.privacy_subject_type_2 import PrivacySubjectType2
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/privacy/erasures",
    }

    if isinstance(body, PrivacySubjectType0):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, PrivacySubjectType1):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PrivacyAccepted | Problem | None:
    if response.status_code == 202:
        response_202 = PrivacyAccepted.from_dict(response.json())

        return response_202

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
) -> Response[PrivacyAccepted | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2,
    idempotency_key: str | Unset = UNSET,
) -> Response[PrivacyAccepted | Problem]:
    """Erase

    Args:
        idempotency_key (str | Unset):
        body (PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2): Whom a data-
            subject request is about: exactly one of ``customer_id``, ``email`` or
            ``conversation_ids``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PrivacyAccepted | Problem]
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
    body: PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2,
    idempotency_key: str | Unset = UNSET,
) -> PrivacyAccepted | Problem | None:
    """Erase

    Args:
        idempotency_key (str | Unset):
        body (PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2): Whom a data-
            subject request is about: exactly one of ``customer_id``, ``email`` or
            ``conversation_ids``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PrivacyAccepted | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2,
    idempotency_key: str | Unset = UNSET,
) -> Response[PrivacyAccepted | Problem]:
    """Erase

    Args:
        idempotency_key (str | Unset):
        body (PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2): Whom a data-
            subject request is about: exactly one of ``customer_id``, ``email`` or
            ``conversation_ids``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PrivacyAccepted | Problem]
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
    body: PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2,
    idempotency_key: str | Unset = UNSET,
) -> PrivacyAccepted | Problem | None:
    """Erase

    Args:
        idempotency_key (str | Unset):
        body (PrivacySubjectType0 | PrivacySubjectType1 | PrivacySubjectType2): Whom a data-
            subject request is about: exactly one of ``customer_id``, ``email`` or
            ``conversation_ids``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PrivacyAccepted | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
