"""Comparing a rebuilt read model with the live one: every difference names its row."""

from __future__ import annotations

from libs.platform.projections import ProjectionCheck, compare_rows


def test_each_difference_names_its_row_and_column() -> None:
    live = {("t1", 1): {"text": "hello", "role": "ai"}, ("t1", 2): {"text": "x", "role": "ai"}}
    rebuilt = {("t1", 1): {"text": "hello!", "role": "ai"}, ("t1", 3): {"text": "y", "role": "human"}}
    found = compare_rows("conversation", "lines", ("tenant_id", "position"), live, rebuilt)
    assert found == [
        "conversation.lines[tenant_id=t1, position=1]: text differs (live 'hello', log 'hello!')",
        "conversation.lines[tenant_id=t1, position=2]: in the live table, not in the log",
        "conversation.lines[tenant_id=t1, position=3]: missing from the live table (the log has it)",
    ]
    assert compare_rows("s", "t", ("tenant_id", "position"), live, live) == []


def test_the_list_is_bounded_and_a_check_matches_without_differences() -> None:
    live = {(n,): {"v": n} for n in range(100)}
    assert len(compare_rows("s", "t", ("k",), live, {}, limit=7)) == 7
    assert ProjectionCheck("s", "t", 10, 3, 3).matches
    assert not ProjectionCheck("s", "t", 10, 3, 3, ["s.t[k=1]: v differs"]).matches
