"""The replay diff's two columns: each tool call marked as the API paired the changes, the reply's word runs."""

from __future__ import annotations

from web.replay_view import candidate_body, reply_runs, turn_view


def tool(name: str, **arguments: object) -> dict[str, object]:
    return {"tool": name, "arguments": arguments, "write": name == "refund_order", "outcome": "completed"}


def test_each_call_is_marked_with_its_change() -> None:
    turn = {
        "message_index": 0,
        "customer_text": "refund #1002",
        "recorded": {"tools": [tool("get_order_status", order_number="1002"), tool("refund_order", amount=20)]},
        "candidate": {"tools": [tool("get_order_status", order_number="1002"), tool("refund_order", amount=5)],
                      "handoff": "asked for a person"},
        "tool_changes": [
            {"change": "changed_arguments", "tool": "refund_order", "write": True,
             "recorded_arguments": {"amount": 20}, "candidate_arguments": {"amount": 5}},
        ],
        "handoff_changed": True,
        "identical_actions": False,
        "write_difference": True,
        "reply_diff": "Your [-refund-] {+partial refund+} is on its way",
    }  # fmt: skip
    view = turn_view(turn)
    assert [t.mark for t in view.recorded.tools] == ["same", "changed"]
    assert [t.mark for t in view.candidate.tools] == ["same", "changed"]
    assert view.other_changes == ["handoff"]
    assert view.reply_runs == [
        ("same", "Your "),
        ("del", "refund"),
        ("same", " "),
        ("ins", "partial refund"),
        ("same", " is on its way"),
    ]


def test_missing_and_added_calls_and_an_absent_side() -> None:
    turn = {
        "recorded": {"tools": [tool("get_order_status", order_number="1")]},
        "candidate": None,
        "tool_changes": [{"change": "missing", "tool": "get_order_status", "write": False,
                          "recorded_arguments": {"order_number": "1"}}],
    }  # fmt: skip
    view = turn_view(turn)
    assert view.recorded.tools[0].mark == "missing"
    assert view.recorded.tools[0].mark_words == "not done by the candidate"
    assert not view.candidate.present
    assert reply_runs(None) == []


def test_the_form_makes_a_candidate_of_only_what_it_changes() -> None:
    assert candidate_body({"name": " ", "provider": "", "persona": ""}, ["a"]) == {}
    body = candidate_body(
        {"name": "x", "provider": "offline", "model": "", "instructions": " Be brief ", "disable_b": "on"}, ["a", "b"]
    )
    assert body == {
        "name": "x",
        "model": {"provider": "offline"},
        "policy": {"instructions": "Be brief"},
        "tools": {"disabled": ["b"]},
    }
