"""The AsyncAPI document is generated from the catalog, is current, is self-consistent, and describes the bytes
that are really on the wire."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deskpilot.embedded import EmbeddedNats
from libs.events import (
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    LlmCalled,
    ToolSpec,
    ToolsPublished,
    UsageRecorded,
    new_id,
)
from libs.events.asyncapi import REGENERATE, document, main, render
from libs.events.catalog import EVENT_TYPES, PlanQuotaStateChanged
from tests.support import issue_analytics_credential

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_docs_asyncapi_yaml_is_generated_from_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), f"regenerate with: {REGENERATE}"
    assert yaml.safe_load(DOC.read_text(encoding="utf-8")) == document()


def test_the_same_document_is_available_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--json"])
    assert json.loads(capsys.readouterr().out) == document()


def test_every_event_has_a_channel_message_and_operation_and_every_ref_resolves() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    for event_type, cls in EVENT_TYPES.items():
        channel = doc["channels"][event_type]
        route = f".{{{cls.ROUTE}}}" if cls.ROUTE else ""  # a command's subject ends with its executor
        assert channel["address"].endswith(f".{event_type}{route}")
        assert doc["components"]["messages"][cls.__name__]["name"] == event_type
        assert doc["operations"][f"receive_{event_type.replace('.', '_')}"]["action"] == "receive"
    for ref in refs(doc):
        assert resolve(doc, ref) is not None, ref


def validate(envelope: Envelope) -> None:
    doc = document()
    schema = {
        "components": doc["components"],
        "$ref": f"#/components/schemas/{type(envelope.payload).__name__}Envelope",
    }
    jsonschema.Draft202012Validator(schema).validate(envelope.model_dump(mode="json"))


def test_real_events_validate_against_their_message_schema() -> None:
    ai = Actor(kind="ai", id="agent")
    call = LlmCalled(
        turn_id="t",
        provider="anthropic",
        model="claude-sonnet-4-5",
        input_tokens=10,
        output_tokens=2,
        latency_ms=1,
        cost_usd=Decimal("0.0000600"),
        stop_reason="end_turn",
    )
    validate(Envelope.new(call, tenant_id="ten", conversation_id="conv", actor=ai))
    usage = UsageRecorded(turn_id="t", llm_calls=1, tool_calls=0, input_tokens=1, output_tokens=1, cost_usd=Decimal(1))
    validate(Envelope.new(usage, tenant_id="ten", conversation_id="conv", actor=ai))
    tool = ToolSpec(name="x", description="d", input_schema={"type": "object"}, service="knowledge")
    validate(Envelope.new(ToolsPublished(service="knowledge", tools=(tool,)), tenant_id="ten", actor=ai))
    state = PlanQuotaStateChanged(month="2026-11", plan="free", state="over_hard_limit", behaviour="handoff")
    validate(Envelope.new(state, tenant_id="ten", actor=ai))


def test_a_wrong_event_does_not_validate() -> None:
    ai = Actor(kind="ai", id="agent")
    usage = UsageRecorded(turn_id="t", llm_calls=1, tool_calls=0, input_tokens=1, output_tokens=1, cost_usd=Decimal(1))
    body = Envelope.new(usage, tenant_id="ten", conversation_id="conv", actor=ai).model_dump(mode="json")
    body["payload"]["cost_usd"] = 1.5  # money is a fixed-point string on the wire, never a float
    doc = document()
    schema = {"components": doc["components"], "$ref": "#/components/schemas/UsageRecordedEnvelope"}
    try:
        jsonschema.Draft202012Validator(schema).validate(body)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a float amount must not validate")


def load_example() -> Any:
    path = Path(__file__).resolve().parents[2] / "examples" / "analytics_consumer.py"
    spec = importlib.util.spec_from_file_location("analytics_consumer", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["analytics_consumer"] = module
    spec.loader.exec_module(module)
    return module


async def test_the_example_analytics_consumer_reads_the_real_stream_and_resumes(
    event_log: EventLog, nats_url: str, nats_server: EmbeddedNats | None, tenant_id: str, tmp_path: Path
) -> None:
    """With the read-only credential of ``deskpilot analytics-credentials`` for its tenant, as an operator gives
    it: it reads that tenant's events and nothing of another's (tests/test_nats_auth.py: what it cannot do)."""
    example = load_example()
    conv = new_id("conv")
    customer, ai = Actor(kind="customer", id="c"), Actor(kind="ai", id="agent")
    cost = Decimal("0.0123")
    call = LlmCalled(
        turn_id="t",
        provider="p",
        model="m",
        input_tokens=1,
        output_tokens=1,
        latency_ms=1,
        cost_usd=cost,
        stop_reason="x",
    )
    first = [
        Envelope.new(ConversationStarted(), tenant_id=tenant_id, conversation_id=conv, actor=customer),
        Envelope.new(call, tenant_id=tenant_id, conversation_id=conv, actor=ai),
        Envelope.new(call, tenant_id=tenant_id, conversation_id=conv, actor=ai),
    ]
    other, other_conv = new_id("ten"), new_id("conv")
    started = Envelope.new(ConversationStarted(), tenant_id=other, conversation_id=other_conv, actor=customer)
    await event_log.append(other, other_conv, [started], expected_version=None)  # before: first in the log
    await event_log.append(tenant_id, conv, first, expected_version=None)
    credentials = await issue_analytics_credential(nats_server, tenant_id, tmp_path)
    durable = credentials["consumer"]
    tally = example.CostTally()
    assert await example.consume(nats_url, "", tally, credentials=credentials, max_messages=3) == 3
    assert list(tally.types.elements()) == ["conversation.started", "llm.called", "llm.called"]
    assert tally.spend == {tenant_id: cost * 2}

    # its own durable: restarting resumes after what it acknowledged (events no service reacts to, so that
    # services running in the same test session add nothing to this conversation)
    again = Envelope.new(call, tenant_id=tenant_id, conversation_id=conv, actor=ai)
    await event_log.append(tenant_id, conv, [again], expected_version=None)
    later = example.CostTally()
    handled = await example.consume(nats_url, "", later, credentials=credentials, idle_stop_s=1.0)
    assert handled == 1, (later.types, tally.types)
    assert later.types == {"llm.called": 1}
    info = await event_log.jetstream.consumer_info("DP_EVENTS", durable)
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    await event_log.jetstream.delete_consumer("DP_EVENTS", durable)

    # a service's consumer name is refused, so it can never take messages from a service
    with pytest.raises(ValueError, match="service's consumer name"):
        await example.consume(nats_url, "billing-ledger", tally, subject=f"dp.conv.{tenant_id}.>", max_messages=1)
