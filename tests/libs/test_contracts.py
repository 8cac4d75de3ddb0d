"""The event contracts without a server: envelope rules, decoding, upcasting, ids and subjects."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from libs.events import (
    EVENT_TYPES,
    SYSTEM,
    Actor,
    Envelope,
    LlmCalled,
    MessageReceived,
    PoisonEvent,
    TenantCreated,
    decode,
    uuid7,
)
from libs.events.subjects import conversation_filter, conversation_subject, tenant_subject
from libs.events.upcasters import UnknownSchemaVersion, upcast


def test_uuid7_sorts_by_creation_time_and_is_version_7() -> None:
    ids = [uuid7() for _ in range(200)]
    assert all(i[14] == "7" for i in ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)  # millisecond prefix never goes backwards
    assert len(set(ids)) == 200


def test_envelope_round_trips_through_the_wire_format() -> None:
    event = Envelope.new(
        MessageReceived(message_id="m1", text="héllo"),
        tenant_id="t1",
        conversation_id="c1",
        actor=Actor(kind="customer", id="x"),
    )
    assert decode(event.encode()) == event
    assert event.subject == "dp.conv.t1.c1.message.received"
    assert event.correlation_id == event.id
    assert event.causation_id is None


def test_caused_by_carries_correlation_forward() -> None:
    first = Envelope.new(MessageReceived(message_id="m", text="x"), tenant_id="t", conversation_id="c", actor=SYSTEM)
    second = Envelope.new(
        MessageReceived(message_id="n", text="y"), tenant_id="t", conversation_id="c", actor=SYSTEM, caused_by=first
    )
    assert second.causation_id == first.id
    assert second.correlation_id == first.correlation_id


def test_scope_is_enforced() -> None:
    with pytest.raises(ValueError, match="conversation_id is required"):
        Envelope.new(MessageReceived(message_id="m", text="x"), tenant_id="t", actor=SYSTEM)
    with pytest.raises(ValueError, match="tenant-wide"):
        Envelope.new(
            TenantCreated(name="n", api_key_sha256="0" * 64, api_key_prefix="dp_"),
            tenant_id="t",
            conversation_id="c",
            actor=SYSTEM,
        )


def test_payloads_are_frozen() -> None:
    payload = MessageReceived(message_id="m", text="x")
    with pytest.raises(ValueError, match="frozen"):
        payload.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "undecodable"),
        (b"[]", "JSON object"),
        (b'{"type": "message.received"}', "needs 'type'"),
        (b'{"type": "no.such", "schema_version": 1, "payload": {}}', "unknown event type"),
        (b'{"type": "message.received", "schema_version": 9, "payload": {}}', "newer than"),
    ],
)
def test_undecodable_input_is_a_poison_event(raw: bytes, reason: str) -> None:
    with pytest.raises(PoisonEvent, match=reason):
        decode(raw)


def test_invalid_fields_are_a_poison_event() -> None:
    good = Envelope.new(MessageReceived(message_id="m", text="x"), tenant_id="t", conversation_id="c", actor=SYSTEM)
    data = json.loads(good.encode())
    del data["payload"]["text"]
    with pytest.raises(PoisonEvent, match="text"):
        decode(json.dumps(data).encode())


def test_upcaster_chain_turns_v1_into_current() -> None:
    version, payload = upcast(
        "llm.called",
        1,
        {
            "type": "llm.called",
            "turn_id": "t",
            "provider": "p",
            "model": "m",
            "tokens_in": 5,
            "tokens_out": 7,
            "latency_ms": 1.0,
            "cost_usd": "0.01",
        },
    )
    assert version == LlmCalled.SCHEMA_VERSION == 3
    model = LlmCalled.model_validate(payload)
    assert (model.input_tokens, model.output_tokens, model.cost_usd) == (5, 7, Decimal("0.01"))
    assert model.release == "unknown"  # v1/v2 did not say: the figures still apply it
    with pytest.raises(UnknownSchemaVersion):
        upcast("llm.called", 0, {})


def test_every_catalog_event_has_a_contract_docstring() -> None:
    for name, cls in EVENT_TYPES.items():
        assert (cls.__doc__ or "").strip(), f"{name} has no contract docstring"
        assert cls.event_type() == name


def test_subjects_reject_ids_that_are_not_one_token() -> None:
    assert conversation_filter("t1", "c1") == "dp.conv.t1.c1.>"
    assert tenant_subject("t1", "tenant.created") == "dp.tenant.t1.tenant.created"
    for bad in ("a.b", "a*", "a>", "", "x" * 65, "a b"):
        with pytest.raises(ValueError, match="not a valid id"):
            conversation_subject("t1", bad, "message.received")


def test_a_conversation_subject_parses_back_to_its_type_whatever_its_route() -> None:
    """The inbox's live feed names a change by its event type: a command (``tool.requested``) carries a route
    token after its type and must still be recognised as ``tool.requested``."""
    from libs.events.subjects import parse_conversation_subject

    for event_type, route in (("message.received", None), ("tool.requested", "integrations")):
        subject = conversation_subject("t1", "c1", event_type, route)
        assert parse_conversation_subject(subject) == ("t1", "c1", event_type)
    for other in ("dp.tenant.t1.tenant.created", "dp.conv.t1.c1.tool", "dp.conv.t1.c1.tool.requested", "x.y"):
        assert parse_conversation_subject(other) is None
    assert parse_conversation_subject("dp.conv.t1.c1.message.received.extra") is None


# Events built in a sandbox (replays and simulations) live in an in-memory log (libs/events/memory_log.py) and never
# reach the shared one: building them there produces nothing anyone else can read.
SANDBOXED = ("services/agent/sandbox/", "services/agent/simulation/", "services/integrations/tools/sandbox.py")


def _constructed_by() -> dict[str, set[str]]:
    """Which service (or ``launcher``) builds each payload class in its source, tests and sandboxes excluded."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    names = {cls.__name__: event_type for event_type, cls in EVENT_TYPES.items()}
    found: dict[str, set[str]] = {}
    for path in [*(root / "services").rglob("*.py"), *(root / "deskpilot").rglob("*.py")]:
        if "tests" in path.relative_to(root).parts or path.relative_to(root).as_posix().startswith(SANDBOXED):
            continue
        owner = path.relative_to(root).parts[1] if path.relative_to(root).parts[0] == "services" else "launcher"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if called in names:
                    found.setdefault(names[called], set()).add(owner)
                if called == "ToolExecutor":  # libs/platform's executor answers the service's tool requests
                    for answer in ("tool.completed", "tool.failed"):
                        found.setdefault(answer, set()).add(owner)
                if called == "ServiceRuntime":  # every runtime answers data-subject requests (libs/platform/privacy)
                    for answer in ("privacy.erasure_completed", "privacy.export_prepared"):
                        found.setdefault(answer, set()).add(owner)
    return found


def test_every_event_names_its_producers_and_the_code_agrees() -> None:
    built = _constructed_by()
    for event_type, cls in EVENT_TYPES.items():
        assert cls.PRODUCERS, f"{event_type} names no producer"
        assert set(cls.PRODUCERS) == built.get(event_type, set()), f"{event_type}: declared {cls.PRODUCERS}"


def test_commands_are_routed_to_one_consumer_by_subject() -> None:
    from libs.events import ToolRequested
    from libs.events.subjects import COMMANDS, any_command, any_conversation

    assert {t for t, cls in EVENT_TYPES.items() if cls.KIND == "command"} == COMMANDS
    request = Envelope.new(
        ToolRequested(
            turn_id="t", tool_call_id="c", idempotency_key="k", tool="get_order_status", service="integrations",
            arguments={},
        ),
        tenant_id="ten_1",
        conversation_id="conv_1",
        actor=SYSTEM,
    )  # fmt: skip
    assert request.subject == "dp.conv.ten_1.conv_1.tool.requested.integrations"
    assert any_command("tool.requested", "integrations") == "dp.conv.*.*.tool.requested.integrations"
    assert any_conversation("tool.requested") == "dp.conv.*.*.tool.requested.*"
