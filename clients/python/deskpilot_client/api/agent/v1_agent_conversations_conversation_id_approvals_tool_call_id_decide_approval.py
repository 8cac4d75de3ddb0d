from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.approval_decision import ApprovalDecision
from ...models.problem import Problem
from ...models.v1_agent_conversations_conversation_id_approvals_tool_call_id_decide_approval_response_202 import (
    V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    conversation_id: str,
    tool_call_id: str,
    *,
    body: ApprovalDecision,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/conversations/{conversation_id}/approvals/{tool_call_id}".format(
            conversation_id=quote(str(conversation_id), safe=""),
            tool_call_id=quote(str(tool_call_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202 | None:
    if response.status_code == 202:
        response_202 = V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202.from_dict(
            response.json()
        )

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
) -> Response[Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    conversation_id: str,
    tool_call_id: str,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202]:
    """DecideApproval

    Args:
        conversation_id (str): An id: letters, digits, `_` and `-`, 1-64.
        tool_call_id (str): An id: letters, digits, `_` and `-`, 1-64.
        idempotency_key (str | Unset):
        body (ApprovalDecision): A human's decision on a tool call that waits for approval.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202]
    """

    kwargs = _get_kwargs(
        conversation_id=conversation_id,
        tool_call_id=tool_call_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    conversation_id: str,
    tool_call_id: str,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
    idempotency_key: str | Unset = UNSET,
) -> Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202 | None:
    """DecideApproval

    Args:
        conversation_id (str): An id: letters, digits, `_` and `-`, 1-64.
        tool_call_id (str): An id: letters, digits, `_` and `-`, 1-64.
        idempotency_key (str | Unset):
        body (ApprovalDecision): A human's decision on a tool call that waits for approval.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202
    """

    return sync_detailed(
        conversation_id=conversation_id,
        tool_call_id=tool_call_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    conversation_id: str,
    tool_call_id: str,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202]:
    """DecideApproval

    Args:
        conversation_id (str): An id: letters, digits, `_` and `-`, 1-64.
        tool_call_id (str): An id: letters, digits, `_` and `-`, 1-64.
        idempotency_key (str | Unset):
        body (ApprovalDecision): A human's decision on a tool call that waits for approval.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202]
    """

    kwargs = _get_kwargs(
        conversation_id=conversation_id,
        tool_call_id=tool_call_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    conversation_id: str,
    tool_call_id: str,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
    idempotency_key: str | Unset = UNSET,
) -> Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202 | None:
    """DecideApproval

    Args:
        conversation_id (str): An id: letters, digits, `_` and `-`, 1-64.
        tool_call_id (str): An id: letters, digits, `_` and `-`, 1-64.
        idempotency_key (str | Unset):
        body (ApprovalDecision): A human's decision on a tool call that waits for approval.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | V1AgentConversationsConversationIdApprovalsToolCallIdDecideApprovalResponse202
    """

    return (
        await asyncio_detailed(
            conversation_id=conversation_id,
            tool_call_id=tool_call_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
