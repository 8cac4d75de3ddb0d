"""Tool-call arguments shaped for people (the inbox's approval card)."""

from __future__ import annotations

from web.transcript import readable


def test_arguments_read_as_named_lines_not_json() -> None:
    lines = readable({"order_number": "1003", "amount": 349.5, "notify": True, "items": ["A-1", "B-2"]})
    assert lines == [("amount", "349.5"), ("items", "A-1, B-2"), ("notify", "yes"), ("order number", "1003")]


def test_nested_objects_by_dotted_name_and_odd_values_kept_whole() -> None:
    lines = readable({"address": {"city": "Leeds", "zip": "LS1"}, "lines": [{"sku": "A"}], "note": None})
    assert lines == [
        ("address.city", "Leeds"),
        ("address.zip", "LS1"),
        ("lines", '[{"sku": "A"}]'),
        ("note", "—"),
    ]
    assert readable("just text") == [("value", "just text")]
    assert readable({}) == []
