from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.ticket_list import TicketList
from ...models.v1_tickets_inbox_priority_type_1 import V1TicketsInboxPriorityType1
from ...models.v1_tickets_inbox_priority_type_2_type_1 import V1TicketsInboxPriorityType2Type1
from ...models.v1_tickets_inbox_priority_type_3_type_1 import V1TicketsInboxPriorityType3Type1
from ...models.v1_tickets_inbox_status_type_1 import V1TicketsInboxStatusType1
from ...models.v1_tickets_inbox_status_type_2_type_1 import V1TicketsInboxStatusType2Type1
from ...models.v1_tickets_inbox_status_type_3_type_1 import V1TicketsInboxStatusType3Type1
from ...models.v1_tickets_inbox_view import V1TicketsInboxView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    view: V1TicketsInboxView | Unset = V1TicketsInboxView.ALL,
    status: None
    | Unset
    | V1TicketsInboxStatusType1
    | V1TicketsInboxStatusType2Type1
    | V1TicketsInboxStatusType3Type1 = UNSET,
    priority: None
    | Unset
    | V1TicketsInboxPriorityType1
    | V1TicketsInboxPriorityType2Type1
    | V1TicketsInboxPriorityType3Type1 = UNSET,
    team: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    assignee: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_view: str | Unset = UNSET
    if not isinstance(view, Unset):
        json_view = view.value

    params["view"] = json_view

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, V1TicketsInboxStatusType1):
        json_status = status.value
    elif isinstance(status, V1TicketsInboxStatusType2Type1):
        json_status = status.value
    elif isinstance(status, V1TicketsInboxStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_priority: None | str | Unset
    if isinstance(priority, Unset):
        json_priority = UNSET
    elif isinstance(priority, V1TicketsInboxPriorityType1):
        json_priority = priority.value
    elif isinstance(priority, V1TicketsInboxPriorityType2Type1):
        json_priority = priority.value
    elif isinstance(priority, V1TicketsInboxPriorityType3Type1):
        json_priority = priority.value
    else:
        json_priority = priority
    params["priority"] = json_priority

    json_team: None | str | Unset
    if isinstance(team, Unset):
        json_team = UNSET
    else:
        json_team = team
    params["team"] = json_team

    json_tag: None | str | Unset
    if isinstance(tag, Unset):
        json_tag = UNSET
    else:
        json_tag = tag
    params["tag"] = json_tag

    json_assignee: None | str | Unset
    if isinstance(assignee, Unset):
        json_assignee = UNSET
    else:
        json_assignee = assignee
    params["assignee"] = json_assignee

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tickets",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | TicketList | None:
    if response.status_code == 200:
        response_200 = TicketList.from_dict(response.json())

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
) -> Response[Problem | TicketList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    view: V1TicketsInboxView | Unset = V1TicketsInboxView.ALL,
    status: None
    | Unset
    | V1TicketsInboxStatusType1
    | V1TicketsInboxStatusType2Type1
    | V1TicketsInboxStatusType3Type1 = UNSET,
    priority: None
    | Unset
    | V1TicketsInboxPriorityType1
    | V1TicketsInboxPriorityType2Type1
    | V1TicketsInboxPriorityType3Type1 = UNSET,
    team: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    assignee: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Problem | TicketList]:
    """Inbox

    Args:
        view (V1TicketsInboxView | Unset):  Default: V1TicketsInboxView.ALL.
        status (None | Unset | V1TicketsInboxStatusType1 | V1TicketsInboxStatusType2Type1 |
            V1TicketsInboxStatusType3Type1):
        priority (None | Unset | V1TicketsInboxPriorityType1 | V1TicketsInboxPriorityType2Type1 |
            V1TicketsInboxPriorityType3Type1):
        team (None | str | Unset):
        tag (None | str | Unset):
        assignee (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TicketList]
    """

    kwargs = _get_kwargs(
        view=view,
        status=status,
        priority=priority,
        team=team,
        tag=tag,
        assignee=assignee,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    view: V1TicketsInboxView | Unset = V1TicketsInboxView.ALL,
    status: None
    | Unset
    | V1TicketsInboxStatusType1
    | V1TicketsInboxStatusType2Type1
    | V1TicketsInboxStatusType3Type1 = UNSET,
    priority: None
    | Unset
    | V1TicketsInboxPriorityType1
    | V1TicketsInboxPriorityType2Type1
    | V1TicketsInboxPriorityType3Type1 = UNSET,
    team: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    assignee: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Problem | TicketList | None:
    """Inbox

    Args:
        view (V1TicketsInboxView | Unset):  Default: V1TicketsInboxView.ALL.
        status (None | Unset | V1TicketsInboxStatusType1 | V1TicketsInboxStatusType2Type1 |
            V1TicketsInboxStatusType3Type1):
        priority (None | Unset | V1TicketsInboxPriorityType1 | V1TicketsInboxPriorityType2Type1 |
            V1TicketsInboxPriorityType3Type1):
        team (None | str | Unset):
        tag (None | str | Unset):
        assignee (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TicketList
    """

    return sync_detailed(
        client=client,
        view=view,
        status=status,
        priority=priority,
        team=team,
        tag=tag,
        assignee=assignee,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    view: V1TicketsInboxView | Unset = V1TicketsInboxView.ALL,
    status: None
    | Unset
    | V1TicketsInboxStatusType1
    | V1TicketsInboxStatusType2Type1
    | V1TicketsInboxStatusType3Type1 = UNSET,
    priority: None
    | Unset
    | V1TicketsInboxPriorityType1
    | V1TicketsInboxPriorityType2Type1
    | V1TicketsInboxPriorityType3Type1 = UNSET,
    team: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    assignee: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Problem | TicketList]:
    """Inbox

    Args:
        view (V1TicketsInboxView | Unset):  Default: V1TicketsInboxView.ALL.
        status (None | Unset | V1TicketsInboxStatusType1 | V1TicketsInboxStatusType2Type1 |
            V1TicketsInboxStatusType3Type1):
        priority (None | Unset | V1TicketsInboxPriorityType1 | V1TicketsInboxPriorityType2Type1 |
            V1TicketsInboxPriorityType3Type1):
        team (None | str | Unset):
        tag (None | str | Unset):
        assignee (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TicketList]
    """

    kwargs = _get_kwargs(
        view=view,
        status=status,
        priority=priority,
        team=team,
        tag=tag,
        assignee=assignee,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    view: V1TicketsInboxView | Unset = V1TicketsInboxView.ALL,
    status: None
    | Unset
    | V1TicketsInboxStatusType1
    | V1TicketsInboxStatusType2Type1
    | V1TicketsInboxStatusType3Type1 = UNSET,
    priority: None
    | Unset
    | V1TicketsInboxPriorityType1
    | V1TicketsInboxPriorityType2Type1
    | V1TicketsInboxPriorityType3Type1 = UNSET,
    team: None | str | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    assignee: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Problem | TicketList | None:
    """Inbox

    Args:
        view (V1TicketsInboxView | Unset):  Default: V1TicketsInboxView.ALL.
        status (None | Unset | V1TicketsInboxStatusType1 | V1TicketsInboxStatusType2Type1 |
            V1TicketsInboxStatusType3Type1):
        priority (None | Unset | V1TicketsInboxPriorityType1 | V1TicketsInboxPriorityType2Type1 |
            V1TicketsInboxPriorityType3Type1):
        team (None | str | Unset):
        tag (None | str | Unset):
        assignee (None | str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TicketList
    """

    return (
        await asyncio_detailed(
            client=client,
            view=view,
            status=status,
            priority=priority,
            team=team,
            tag=tag,
            assignee=assignee,
            limit=limit,
        )
    ).parsed
