"""The offline model's rules, without any server."""

from __future__ import annotations

from typing import Any

import pytest

from libs.events import RiskClass, ToolSpec
from services.agent.providers import HANDOFF_TOOL, ModelMessage, ModelRequest, OfflineModel


def spec(name: str, description: str, properties: dict[str, Any], risk: RiskClass = "read") -> ToolSpec:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return ToolSpec(name=name, description=description, input_schema=schema, risk=risk, service="integrations")


CATALOG = [
    spec(
        "get_order_status", "Look up an order by its number and tell its status.", {"order_number": {"type": "string"}}
    ),
    spec(
        "list_customer_orders", "List the orders of a customer by their email address.", {"email": {"type": "string"}}
    ),
    spec("refund_order", "Refund an order in full or in part.", {"order_number": {"type": "string"}}, risk="write"),
    HANDOFF_TOOL,
]


async def ask(text: str) -> Any:
    return await OfflineModel().complete(ModelRequest("system", [ModelMessage(role="user", text=text)], CATALOG))


@pytest.mark.parametrize(
    ("text", "tool", "arguments"),
    [
        ("where is my order #1001?", "get_order_status", {"order_number": "1001"}),
        ("what orders does ada@example.com have?", "list_customer_orders", {"email": "ada@example.com"}),
        ("please refund order 1003", "refund_order", {"order_number": "1003"}),
    ],
)
async def test_picks_the_tool_the_message_asks_for(text: str, tool: str, arguments: dict[str, Any]) -> None:
    response = await ask(text)
    assert [(c.name, c.arguments) for c in response.tool_calls] == [(tool, arguments)]
    assert response.stop_reason == "tool_use"


async def test_never_picks_a_write_tool_unless_its_verb_is_named() -> None:
    response = await ask("my order 1001 is wrong")
    assert [c.name for c in response.tool_calls] == ["get_order_status"]


async def test_asking_for_a_person_calls_the_handoff_tool() -> None:
    response = await ask("can I speak to a human please")
    (call,) = response.tool_calls
    assert call.name == "handoff_to_human"
    assert "human" in call.arguments["summary"]


async def test_without_a_usable_tool_it_says_it_is_the_offline_model() -> None:
    response = await ask("where is my order?")  # no number to fill the argument with
    assert response.tool_calls == []
    assert "offline" in response.text


async def test_replies_from_tool_results_and_errors() -> None:
    history = [
        ModelMessage(role="user", text="where is my order #1001?"),
        ModelMessage(
            role="tool", tool_call_id="c1", tool_name="get_order_status", result={"summary": "Order #1001 has shipped."}
        ),
    ]
    ok = await OfflineModel().complete(ModelRequest("s", history, CATALOG))
    assert ok.text == "Order #1001 has shipped."
    failed = [
        *history[:1],
        ModelMessage(
            role="tool", tool_call_id="c1", tool_name="get_order_status", text="there is no order #1001", is_error=True
        ),
    ]
    bad = await OfflineModel().complete(ModelRequest("s", failed, CATALOG))
    assert "couldn't complete get_order_status: there is no order #1001" in bad.text


async def test_fills_an_allowed_word_and_a_sum_of_money_from_the_message() -> None:
    change = spec(
        "change_subscription",
        "Change a customer's subscription plan.",
        {"email": {"type": "string"}, "plan": {"type": "string", "enum": ["basic", "plus", "pro"]}},
        risk="write",
    )
    refund = ToolSpec(
        name="refund_order",
        description="Refund an order in full or in part.",
        input_schema={
            "type": "object",
            "properties": {"order_number": {"type": "string"}, "amount": {"type": "number"}},
            "required": ["order_number"],
        },
        risk="write",
        service="integrations",
    )
    model = OfflineModel()
    moved = await model.complete(
        ModelRequest("s", [ModelMessage(role="user", text="change ada@example.com to the basic plan")], [change])
    )
    assert [(c.name, c.arguments) for c in moved.tool_calls] == [
        ("change_subscription", {"email": "ada@example.com", "plan": "basic"})
    ]
    partial = await model.complete(
        ModelRequest("s", [ModelMessage(role="user", text="please refund $349 of order #1003")], [refund])
    )
    assert [c.arguments for c in partial.tool_calls] == [{"order_number": "1003", "amount": 349}]
    unsaid = await model.complete(
        ModelRequest("s", [ModelMessage(role="user", text="change ada@example.com's plan please")], [change])
    )
    assert unsaid.tool_calls == []  # no plan named: nothing to fill it with


async def test_the_reply_streams_word_by_word_and_adds_up_to_the_text() -> None:
    from services.agent.providers.base import ModelResponse, TextDelta

    request = ModelRequest("system", [ModelMessage(role="user", text="hello there")], CATALOG)
    items = [item async for item in OfflineModel().stream(request)]
    *deltas, response = items
    assert isinstance(response, ModelResponse)
    assert all(isinstance(d, TextDelta) for d in deltas)
    pieces = [d.text for d in deltas if isinstance(d, TextDelta)]
    assert len(pieces) == len(response.text.split())
    assert "".join(pieces) == response.text
