from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.stored_suite_request import StoredSuiteRequest
from ...models.stored_suite_view import StoredSuiteView
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: StoredSuiteRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/simulations/suites/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StoredSuiteView | None:
    if response.status_code == 200:
        response_200 = StoredSuiteView.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | StoredSuiteView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: StoredSuiteRequest,
) -> Response[Problem | StoredSuiteView]:
    """SaveSuite

    Args:
        name (str): A stored suite's name: letters, digits, `.`, `_` and `-`, 1-100.
        body (StoredSuiteRequest): A suite to keep as the tenant's (``PUT
            /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
            its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the
            suite's own name).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StoredSuiteView]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: StoredSuiteRequest,
) -> Problem | StoredSuiteView | None:
    """SaveSuite

    Args:
        name (str): A stored suite's name: letters, digits, `.`, `_` and `-`, 1-100.
        body (StoredSuiteRequest): A suite to keep as the tenant's (``PUT
            /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
            its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the
            suite's own name).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StoredSuiteView
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: StoredSuiteRequest,
) -> Response[Problem | StoredSuiteView]:
    """SaveSuite

    Args:
        name (str): A stored suite's name: letters, digits, `.`, `_` and `-`, 1-100.
        body (StoredSuiteRequest): A suite to keep as the tenant's (``PUT
            /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
            its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the
            suite's own name).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StoredSuiteView]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: StoredSuiteRequest,
) -> Problem | StoredSuiteView | None:
    """SaveSuite

    Args:
        name (str): A stored suite's name: letters, digits, `.`, `_` and `-`, 1-100.
        body (StoredSuiteRequest): A suite to keep as the tenant's (``PUT
            /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
            its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the
            suite's own name).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StoredSuiteView
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
