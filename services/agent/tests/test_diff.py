"""The action diff's rules, on hand-made turns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.agent.replay.diff import diff_conversation, summarise, tool_changes, word_diff
from services.agent.sandbox.actions import ToolAction, TurnActions


def call(tool: str, write: bool = False, approval: str = "none", **arguments: Any) -> ToolAction:
    return ToolAction.model_validate(
        {"tool_call_id": tool, "tool": tool, "arguments": arguments, "write": write, "approval": approval}
    )


def test_same_calls_cancel_out_and_the_rest_pair_by_tool() -> None:
    recorded = [call("get_order_status", order_number="1"), call("refund_order", True, order_number="1", amount=5)]
    candidate = [call("refund_order", True, order_number="1", amount=50), call("get_order_status", order_number="1")]
    (change,) = tool_changes(recorded, candidate)
    assert (change.change, change.tool, change.write) == ("changed_arguments", "refund_order", True)
    assert (change.recorded_arguments, change.candidate_arguments) == (
        {"order_number": "1", "amount": 5},
        {"order_number": "1", "amount": 50},
    )
    kinds = [(c.change, c.tool) for c in tool_changes([call("a")], [call("b"), call("b", x=1)])]
    assert kinds == [("missing", "a"), ("added", "b"), ("added", "b")]
    gated = tool_changes([call("refund_order", True, "approved")], [call("refund_order", True)])
    assert [(c.change, c.recorded_approval, c.candidate_approval) for c in gated] == [
        ("changed_approval", "approved", "none")
    ]


def test_replies_are_words_with_a_similarity_and_a_word_diff() -> None:
    similarity, diff = word_diff("Order #1001 has shipped with UPS.", "Order #1001 has shipped with DHL today.")
    assert diff == "Order #1001 has shipped with [-UPS.-] {+DHL today.+}"
    assert 0.6 < similarity < 0.9
    assert word_diff("same words", "same words") == (1.0, "same words")


def test_turns_align_by_customer_message_and_summaries_count_conversations() -> None:
    def turn(index: int, tools: list[ToolAction], cost: str = "0", handoff: str | None = None) -> TurnActions:
        return TurnActions(
            turn_id=f"t{index}",
            message_index=index,
            tools=tools,
            cost_usd=Decimal(cost),
            handoff=handoff,
            replies=["ok"],
        )

    recorded = [turn(0, [call("a")], "0.01"), turn(1, [])]
    candidate = [turn(0, [call("a")], "0.002"), turn(1, [call("refund", True)]), turn(2, [], handoff="asked")]
    diff = diff_conversation("conv_1", recorded, candidate)
    assert [(t.message_index, t.identical_actions, t.write_difference) for t in diff.turns] == [
        (0, True, False),
        (1, False, True),
        (2, False, False),
    ]
    assert diff.turns[2].recorded is None
    assert diff.turns[2].handoff_changed
    same = diff_conversation("conv_2", recorded, recorded)
    summary = summarise([diff, same])
    assert (summary.identical_actions_pct, summary.write_difference_pct) == (50.0, 50.0)
    assert summary.cost_delta_usd == Decimal("-0.008")
    assert summary.model_dump(mode="json")["cost_delta_usd"] == "-0.008"
