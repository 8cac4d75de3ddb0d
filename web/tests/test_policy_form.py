"""The policies page's approval rules, as a person types them: one a line, ``tool`` or ``tool argument above``; a line
that is neither is named back rather than dropped (the form then saves nothing)."""

from __future__ import annotations

from web.console.settings import read_approval_rules


def test_each_line_is_a_tool_or_a_tool_with_a_threshold() -> None:
    rules, wrong = read_approval_rules("refund_order amount 250\n\n  update_address  \n")
    assert wrong == ""
    assert rules == [{"tool": "refund_order", "argument": "amount", "above": "250"}, {"tool": "update_address"}]


def test_a_line_that_is_neither_is_named_and_nothing_is_kept() -> None:
    assert read_approval_rules("update_address\nrefund_order amount") == ([], "refund_order amount")
    assert read_approval_rules("refund_order amount above 100") == ([], "refund_order amount above 100")
    assert read_approval_rules("") == ([], "")
