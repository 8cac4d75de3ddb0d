from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sso_config import SsoConfig
from ...models.sso_config_in import SsoConfigIn
from ...types import Response


def _get_kwargs(
    *,
    body: SsoConfigIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/tickets/sso",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SsoConfig | None:
    if response.status_code == 200:
        response_200 = SsoConfig.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | SsoConfig]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SsoConfigIn,
) -> Response[Problem | SsoConfig]:
    """Configure

    Args:
        body (SsoConfigIn): The tenant's OpenID Connect identity provider. ``issuer`` is its URL
            (discovery is read from
            ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its
            redirect URI.
            ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups)
            to roles; the highest
            wins; none mapped gives ``default_role``, or no sign-in when that is null.
            ``client_secret`` is stored sealed
            and never shown again; leave it out to keep the stored one.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SsoConfig]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: SsoConfigIn,
) -> Problem | SsoConfig | None:
    """Configure

    Args:
        body (SsoConfigIn): The tenant's OpenID Connect identity provider. ``issuer`` is its URL
            (discovery is read from
            ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its
            redirect URI.
            ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups)
            to roles; the highest
            wins; none mapped gives ``default_role``, or no sign-in when that is null.
            ``client_secret`` is stored sealed
            and never shown again; leave it out to keep the stored one.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SsoConfig
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SsoConfigIn,
) -> Response[Problem | SsoConfig]:
    """Configure

    Args:
        body (SsoConfigIn): The tenant's OpenID Connect identity provider. ``issuer`` is its URL
            (discovery is read from
            ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its
            redirect URI.
            ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups)
            to roles; the highest
            wins; none mapped gives ``default_role``, or no sign-in when that is null.
            ``client_secret`` is stored sealed
            and never shown again; leave it out to keep the stored one.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SsoConfig]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SsoConfigIn,
) -> Problem | SsoConfig | None:
    """Configure

    Args:
        body (SsoConfigIn): The tenant's OpenID Connect identity provider. ``issuer`` is its URL
            (discovery is read from
            ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its
            redirect URI.
            ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups)
            to roles; the highest
            wins; none mapped gives ``default_role``, or no sign-in when that is null.
            ``client_secret`` is stored sealed
            and never shown again; leave it out to keep the stored one.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SsoConfig
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
