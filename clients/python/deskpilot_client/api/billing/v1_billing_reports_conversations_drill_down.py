import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.conversation_facts_list import ConversationFactsList
from ...models.problem import Problem
from ...models.v1_billing_reports_conversations_drill_down_outcome_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType1,
)
from ...models.v1_billing_reports_conversations_drill_down_outcome_type_2_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType2Type1,
)
from ...models.v1_billing_reports_conversations_drill_down_outcome_type_3_type_1 import (
    V1BillingReportsConversationsDrillDownOutcomeType3Type1,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.date,
    days: int,
    min_usd: None | str | Unset = UNSET,
    max_usd: None | str | Unset = UNSET,
    tool: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    outcome: None
    | Unset
    | V1BillingReportsConversationsDrillDownOutcomeType1
    | V1BillingReportsConversationsDrillDownOutcomeType2Type1
    | V1BillingReportsConversationsDrillDownOutcomeType3Type1 = UNSET,
    day: datetime.date | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    params["days"] = days

    json_min_usd: None | str | Unset
    if isinstance(min_usd, Unset):
        json_min_usd = UNSET
    else:
        json_min_usd = min_usd
    params["min_usd"] = json_min_usd

    json_max_usd: None | str | Unset
    if isinstance(max_usd, Unset):
        json_max_usd = UNSET
    else:
        json_max_usd = max_usd
    params["max_usd"] = json_max_usd

    json_tool: None | str | Unset
    if isinstance(tool, Unset):
        json_tool = UNSET
    else:
        json_tool = tool
    params["tool"] = json_tool

    json_model: None | str | Unset
    if isinstance(model, Unset):
        json_model = UNSET
    else:
        json_model = model
    params["model"] = json_model

    json_outcome: None | str | Unset
    if isinstance(outcome, Unset):
        json_outcome = UNSET
    elif isinstance(outcome, V1BillingReportsConversationsDrillDownOutcomeType1):
        json_outcome = outcome.value
    elif isinstance(outcome, V1BillingReportsConversationsDrillDownOutcomeType2Type1):
        json_outcome = outcome.value
    elif isinstance(outcome, V1BillingReportsConversationsDrillDownOutcomeType3Type1):
        json_outcome = outcome.value
    else:
        json_outcome = outcome
    params["outcome"] = json_outcome

    json_day: None | str | Unset
    if isinstance(day, Unset):
        json_day = UNSET
    elif isinstance(day, datetime.date):
        json_day = day.isoformat()
    else:
        json_day = day
    params["day"] = json_day

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/billing/reports/conversations",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConversationFactsList | Problem | None:
    if response.status_code == 200:
        response_200 = ConversationFactsList.from_dict(response.json())

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
) -> Response[ConversationFactsList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    days: int,
    min_usd: None | str | Unset = UNSET,
    max_usd: None | str | Unset = UNSET,
    tool: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    outcome: None
    | Unset
    | V1BillingReportsConversationsDrillDownOutcomeType1
    | V1BillingReportsConversationsDrillDownOutcomeType2Type1
    | V1BillingReportsConversationsDrillDownOutcomeType3Type1 = UNSET,
    day: datetime.date | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[ConversationFactsList | Problem]:
    """DrillDown

    Args:
        from_ (datetime.date): the period's first day (UTC)
        days (int): how many days the period covers, from `from` on (1-366)
        min_usd (None | str | Unset): dollars, inclusive (a decimal: 0.25)
        max_usd (None | str | Unset): dollars, exclusive (a decimal: 0.25)
        tool (None | str | Unset):
        model (None | str | Unset):
        outcome (None | Unset | V1BillingReportsConversationsDrillDownOutcomeType1 |
            V1BillingReportsConversationsDrillDownOutcomeType2Type1 |
            V1BillingReportsConversationsDrillDownOutcomeType3Type1):
        day (datetime.date | None | Unset): with outcome: the day it happened
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationFactsList | Problem]
    """

    kwargs = _get_kwargs(
        from_=from_,
        days=days,
        min_usd=min_usd,
        max_usd=max_usd,
        tool=tool,
        model=model,
        outcome=outcome,
        day=day,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    days: int,
    min_usd: None | str | Unset = UNSET,
    max_usd: None | str | Unset = UNSET,
    tool: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    outcome: None
    | Unset
    | V1BillingReportsConversationsDrillDownOutcomeType1
    | V1BillingReportsConversationsDrillDownOutcomeType2Type1
    | V1BillingReportsConversationsDrillDownOutcomeType3Type1 = UNSET,
    day: datetime.date | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> ConversationFactsList | Problem | None:
    """DrillDown

    Args:
        from_ (datetime.date): the period's first day (UTC)
        days (int): how many days the period covers, from `from` on (1-366)
        min_usd (None | str | Unset): dollars, inclusive (a decimal: 0.25)
        max_usd (None | str | Unset): dollars, exclusive (a decimal: 0.25)
        tool (None | str | Unset):
        model (None | str | Unset):
        outcome (None | Unset | V1BillingReportsConversationsDrillDownOutcomeType1 |
            V1BillingReportsConversationsDrillDownOutcomeType2Type1 |
            V1BillingReportsConversationsDrillDownOutcomeType3Type1):
        day (datetime.date | None | Unset): with outcome: the day it happened
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationFactsList | Problem
    """

    return sync_detailed(
        client=client,
        from_=from_,
        days=days,
        min_usd=min_usd,
        max_usd=max_usd,
        tool=tool,
        model=model,
        outcome=outcome,
        day=day,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    days: int,
    min_usd: None | str | Unset = UNSET,
    max_usd: None | str | Unset = UNSET,
    tool: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    outcome: None
    | Unset
    | V1BillingReportsConversationsDrillDownOutcomeType1
    | V1BillingReportsConversationsDrillDownOutcomeType2Type1
    | V1BillingReportsConversationsDrillDownOutcomeType3Type1 = UNSET,
    day: datetime.date | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[ConversationFactsList | Problem]:
    """DrillDown

    Args:
        from_ (datetime.date): the period's first day (UTC)
        days (int): how many days the period covers, from `from` on (1-366)
        min_usd (None | str | Unset): dollars, inclusive (a decimal: 0.25)
        max_usd (None | str | Unset): dollars, exclusive (a decimal: 0.25)
        tool (None | str | Unset):
        model (None | str | Unset):
        outcome (None | Unset | V1BillingReportsConversationsDrillDownOutcomeType1 |
            V1BillingReportsConversationsDrillDownOutcomeType2Type1 |
            V1BillingReportsConversationsDrillDownOutcomeType3Type1):
        day (datetime.date | None | Unset): with outcome: the day it happened
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationFactsList | Problem]
    """

    kwargs = _get_kwargs(
        from_=from_,
        days=days,
        min_usd=min_usd,
        max_usd=max_usd,
        tool=tool,
        model=model,
        outcome=outcome,
        day=day,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    days: int,
    min_usd: None | str | Unset = UNSET,
    max_usd: None | str | Unset = UNSET,
    tool: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    outcome: None
    | Unset
    | V1BillingReportsConversationsDrillDownOutcomeType1
    | V1BillingReportsConversationsDrillDownOutcomeType2Type1
    | V1BillingReportsConversationsDrillDownOutcomeType3Type1 = UNSET,
    day: datetime.date | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> ConversationFactsList | Problem | None:
    """DrillDown

    Args:
        from_ (datetime.date): the period's first day (UTC)
        days (int): how many days the period covers, from `from` on (1-366)
        min_usd (None | str | Unset): dollars, inclusive (a decimal: 0.25)
        max_usd (None | str | Unset): dollars, exclusive (a decimal: 0.25)
        tool (None | str | Unset):
        model (None | str | Unset):
        outcome (None | Unset | V1BillingReportsConversationsDrillDownOutcomeType1 |
            V1BillingReportsConversationsDrillDownOutcomeType2Type1 |
            V1BillingReportsConversationsDrillDownOutcomeType3Type1):
        day (datetime.date | None | Unset): with outcome: the day it happened
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationFactsList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            days=days,
            min_usd=min_usd,
            max_usd=max_usd,
            tool=tool,
            model=model,
            outcome=outcome,
            day=day,
            limit=limit,
        )
    ).parsed
