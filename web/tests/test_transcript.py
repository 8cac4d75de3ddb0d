"""Tool-call arguments shaped for people (the inbox's approval card)."""

from __future__ import annotations

from web.transcript import readable, shortened


def test_arguments_read_as_named_lines_not_json() -> None:
    lines = readable({"order_number": "1003", "amount": 349.5, "notify": True, "items": ["A-1", "B-2"]})
    assert lines == [("amount", "349.5"), ("items", "A-1, B-2"), ("notify", "yes"), ("order number", "1003")]


def test_nested_objects_by_dotted_name_lists_of_objects_numbered() -> None:
    lines = readable(
        {"address": {"city": "Leeds", "zip": "LS1"}, "lines": [{"sku": "A", "unit_price": 2}, {}], "note": None}
    )
    assert lines == [
        ("address.city", "Leeds"),
        ("address.zip", "LS1"),
        ("lines 1.sku", "A"),
        ("lines 1.unit price", "2"),
        ("lines 2", "—"),
        ("note", "—"),
    ]
    assert readable({"mixed": [1, {"a": 1}]}) == [("mixed", '[1, {"a": 1}]')]
    assert readable("just text") == [("value", "just text")]
    assert readable({}) == []


def test_a_long_result_is_cut_and_counted() -> None:
    lines = shortened(readable({f"k{i:02}": i for i in range(30)}), most=10)
    assert len(lines) == 10
    assert lines[-1] == ("…", "21 more")
    assert shortened([("a", "1")]) == [("a", "1")]


def test_a_denied_calls_failure_line_keeps_the_arguments_of_its_approval_request() -> None:
    """A denied call has no ``tool.requested`` of its own: its failure line shows what was asked, not "none"."""
    from web.transcript import transcript

    def event(position: int, type_: str, **payload: object) -> dict[str, object]:
        return {"type": type_, "payload": payload, "occurred_at": "2026-03-01T10:00:00Z", "position": position}

    asked = {"order_number": "1003", "amount": 150}
    items = transcript(
        [
            event(
                1,
                "tool.approval_requested",
                turn_id="t",
                tool_call_id="c1",
                tool="refund_order",
                service="x",
                arguments=asked,
                rule="refund_order with amount above 100",
            ),
            event(2, "tool.approval_decided", tool_call_id="c1", approved=False, decided_by="rex@example.com"),
            event(
                3,
                "tool.failed",
                turn_id="t",
                tool_call_id="c1",
                tool="refund_order",
                kind="permanent",
                message="denied: a person declined this action",
            ),
        ]
    ).items
    approval, failed = items
    assert (approval.kind, approval.outcome, approval.extra["decided_by"]) == ("approval", "denied", "rex@example.com")
    assert (failed.kind, failed.outcome) == ("action", "failed")
    assert failed.fields == approval.fields == [("amount", "150"), ("order number", "1003")]
    assert failed.result == "permanent: denied: a person declined this action"
