"""What the web chat shows while the agent works: tool calls in words, never their arguments; and which page a
same-origin widget request comes from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from libs.events import SYSTEM, Envelope, RecordedEvent, ToolApprovalRequested, ToolRequested
from services.conversation.chat import frame_for, page_origin
from services.conversation.progress import approval_in_words, tool_in_words


@pytest.mark.parametrize(
    ("tool", "arguments", "words"),
    [
        ("get_order_status", {"order_number": "1001"}, "Looking up order #1001…"),
        ("refund_order", {"order_number": "1003", "amount": 20}, "Refunding order #1003…"),
        ("list_customer_orders", {"email": "ada@example.com"}, "Looking up customer orders…"),
        ("search_knowledge", {"query": "returns"}, "Searching our help articles…"),
        ("stripe_cancel_subscription", {"subscription_id": "sub_9"}, "Working on stripe cancel subscription #sub_9…"),
        ("cancel_subscription", {"subscription_id": "<b>x</b>"}, "Cancelling subscription…"),
        ("zendesk", {}, "Working on zendesk…"),
    ],
)
def test_a_tool_call_in_words(tool: str, arguments: dict[str, object], words: str) -> None:
    assert tool_in_words(tool, arguments) == words


def test_no_argument_but_an_identifier_reaches_the_words() -> None:
    words = tool_in_words("refund_order", {"order_number": "1001", "amount": 999, "reason": "secret note"})
    assert "999" not in words
    assert "secret" not in words
    assert approval_in_words("refund_order", {"order_number": "1001"}) == (
        "Waiting for a team member to approve: Refunding order #1001"
    )


def recorded(payload: ToolRequested | ToolApprovalRequested, position: int = 7) -> RecordedEvent:
    event = Envelope.new(payload, tenant_id="ten_x", conversation_id="conv_x", actor=SYSTEM)
    return RecordedEvent(position, event.model_copy(update={"occurred_at": datetime(2026, 1, 1, tzinfo=UTC)}))


def test_a_tool_request_is_a_progress_frame_without_its_arguments() -> None:
    frame = frame_for(
        recorded(
            ToolRequested(
                turn_id="turn_1",
                tool_call_id="call_1",
                idempotency_key="k",
                tool="get_order_status",
                service="integrations",
                arguments={"order_number": "1001", "email": "ada@example.com"},
            )
        )
    )
    assert frame == {
        "kind": "progress",
        "position": 7,
        "type": "tool.requested",
        "text": "Looking up order #1001…",
        "at": "2026-01-01T00:00:00+00:00",
    }
    waiting = frame_for(
        recorded(
            ToolApprovalRequested(
                turn_id="turn_1",
                tool_call_id="call_2",
                tool="refund_order",
                service="integrations",
                arguments={"order_number": "1001", "amount": 500},
                rule="refund_order with amount above 100 needs approval",
            )
        )
    )
    assert waiting is not None
    assert waiting["kind"] == "progress"
    assert "500" not in waiting["text"]


@pytest.mark.parametrize(
    ("headers", "origin"),
    [
        ({"origin": "https://shop.example.com"}, "https://shop.example.com"),
        # a same-origin GET carries no Origin: the page is named by its Referer
        ({"sec-fetch-site": "same-origin", "referer": "http://127.0.0.1:8000/widget/demo"}, "http://127.0.0.1:8000"),
        # ...but only when the browser says the request is same-origin
        ({"sec-fetch-site": "cross-site", "referer": "https://evil.example/page"}, None),
        ({"referer": "https://evil.example/page"}, None),
        ({"sec-fetch-site": "same-origin", "referer": "javascript:alert(1)"}, None),
        ({}, None),
    ],
)
def test_the_page_a_widget_request_comes_from(headers: dict[str, str], origin: str | None) -> None:
    assert page_origin(headers) == origin
