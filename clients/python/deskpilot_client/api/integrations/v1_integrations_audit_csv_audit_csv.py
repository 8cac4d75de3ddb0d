import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    conversation_id: None | str | Unset = UNSET,
    end_user: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 10000,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_conversation_id: None | str | Unset
    if isinstance(conversation_id, Unset):
        json_conversation_id = UNSET
    else:
        json_conversation_id = conversation_id
    params["conversation_id"] = json_conversation_id

    json_end_user: None | str | Unset
    if isinstance(end_user, Unset):
        json_end_user = UNSET
    else:
        json_end_user = end_user
    params["end_user"] = json_end_user

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/integrations/audit.csv",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    conversation_id: None | str | Unset = UNSET,
    end_user: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 10000,
) -> Response[Problem | str]:
    """AuditCsv

    Args:
        conversation_id (None | str | Unset):
        end_user (None | str | Unset):
        since (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        until (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        limit (int | Unset):  Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        conversation_id=conversation_id,
        end_user=end_user,
        since=since,
        until=until,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    conversation_id: None | str | Unset = UNSET,
    end_user: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 10000,
) -> Problem | str | None:
    """AuditCsv

    Args:
        conversation_id (None | str | Unset):
        end_user (None | str | Unset):
        since (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        until (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        limit (int | Unset):  Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        client=client,
        conversation_id=conversation_id,
        end_user=end_user,
        since=since,
        until=until,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    conversation_id: None | str | Unset = UNSET,
    end_user: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 10000,
) -> Response[Problem | str]:
    """AuditCsv

    Args:
        conversation_id (None | str | Unset):
        end_user (None | str | Unset):
        since (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        until (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        limit (int | Unset):  Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        conversation_id=conversation_id,
        end_user=end_user,
        since=since,
        until=until,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    conversation_id: None | str | Unset = UNSET,
    end_user: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 10000,
) -> Problem | str | None:
    """AuditCsv

    Args:
        conversation_id (None | str | Unset):
        end_user (None | str | Unset):
        since (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        until (datetime.datetime | None | Unset): An RFC 3339 (ISO 8601) timestamp with its
            offset: `2026-05-01T09:30:00Z`, `2026-05-01T11:30:00.5+02:00`. Anything else (a date
            alone, no offset, a Unix time) is 422.
        limit (int | Unset):  Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            client=client,
            conversation_id=conversation_id,
            end_user=end_user,
            since=since,
            until=until,
            limit=limit,
        )
    ).parsed
