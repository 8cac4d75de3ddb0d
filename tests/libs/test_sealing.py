"""Personal fields sealed per conversation on a real JetStream server: stored sealed, read clear, erased for good."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.js.errors import APIError

from libs.events import (
    SYSTEM,
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    LlmCalled,
    MessageReceived,
    TicketNoteAdded,
    ToolRequested,
    new_id,
)
from libs.events.personal import ERASED
from libs.events.sealing import PREFIX
from libs.events.streams import EVENTS_STREAM, KEYS_BUCKET, KEYS_STREAM
from libs.events.subject_keys import MasterKeys, SubjectKeys
from libs.events.subjects import conversation_filter, tenant_subject

SENTENCE = "my name is Zephyrine Quillfeather and I live at 12 Lantern Row"


def _message(tenant_id: str, conversation_id: str, text: str = SENTENCE) -> Envelope:
    return Envelope.new(
        MessageReceived(message_id=new_id("msg"), text=text),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=Actor(kind="customer", id="zephyrine@example.org"),
    )


async def _stored(event_log: EventLog, subject_filter: str) -> list[bytes]:
    return [body for _, body in await event_log.read_raw(subject_filter)]


async def test_personal_fields_are_stored_sealed_and_read_clear(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    started = Envelope.new(
        ConversationStarted(customer_id="zephyrine@example.org"),
        tenant_id=tenant_id,
        conversation_id=conv,
        actor=Actor(kind="customer", id="zephyrine@example.org"),
    )
    await event_log.append(tenant_id, conv, [started, _message(tenant_id, conv)], expected_version=0)

    stored = b"".join(await _stored(event_log, conversation_filter(tenant_id, conv)))
    assert b"Zephyrine" not in stored
    assert b"zephyrine@example.org" not in stored
    assert stored.count(PREFIX.encode()) == 4  # the customer id, twice the actor, the text

    read = await event_log.read(tenant_id, conv)
    payload = read[1].event.payload
    assert isinstance(payload, MessageReceived)
    assert payload.text == SENTENCE
    assert read[0].event.actor.id == "zephyrine@example.org"


async def test_tool_arguments_keep_their_structure(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    request = ToolRequested(
        turn_id="turn_1",
        tool_call_id="call_1",
        idempotency_key="k",
        tool="refund_order",
        service="integrations",
        arguments={"order": "#1001", "amount": 12.5, "notify": True, "lines": [{"sku": "A", "qty": 2}]},
        end_user="zephyrine@example.org",
    )
    event = Envelope.new(request, tenant_id=tenant_id, conversation_id=conv, actor=SYSTEM)
    await event_log.append(tenant_id, conv, [event], expected_version=None)

    (body,) = await _stored(event_log, conversation_filter(tenant_id, conv))
    arguments = json.loads(body)["payload"]["arguments"]
    assert set(arguments) == {"order", "amount", "notify", "lines"}
    assert arguments["amount"] == 12.5
    assert arguments["notify"] is True
    assert arguments["lines"][0]["qty"] == 2
    assert arguments["order"].startswith(PREFIX)
    assert arguments["lines"][0]["sku"].startswith(PREFIX)
    assert json.loads(body)["payload"]["tool"] == "refund_order"  # structure, names and ids stay readable

    (read,) = await event_log.read(tenant_id, conv)
    assert read.event.payload == request


def _store_bytes(stack_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (stack_dir / "nats" / "store").rglob("*") if p.is_file())


async def test_erasure_destroys_the_key_and_the_log_reads_erased(
    event_log: EventLog, nc: NATS, tenant_id: str, stack_dir: Path
) -> None:
    conv = new_id("conv")
    cost = LlmCalled(
        turn_id="turn_1",
        provider="offline",
        model="m",
        input_tokens=10,
        output_tokens=5,
        latency_ms=1.0,
        cost_usd=Decimal("0.0012"),
        stop_reason="end_turn",
    )
    llm = Envelope.new(cost, tenant_id=tenant_id, conversation_id=conv, actor=SYSTEM)
    await event_log.append(tenant_id, conv, [_message(tenant_id, conv), llm], expected_version=None)
    kv = await nc.jetstream().key_value(KEYS_BUCKET)
    stored_key = await kv.get(f"{tenant_id}.{conv}")
    wrapped = json.loads(stored_key.value or b"{}")["k"].encode()
    on_disk = not os.environ.get("NATS_URL")  # the suite's own server: its store directory is ours to read
    assert not on_disk or wrapped in _store_bytes(stack_dir)

    assert await event_log.sealer.keys.erase(tenant_id, conv)
    assert not on_disk or wrapped not in _store_bytes(stack_dir)  # overwritten where it was stored

    # The key's message is gone from the store (secure erase), a tombstone stands in its place.
    with pytest.raises(APIError, match="no message found"):
        await nc.jetstream().get_msg(KEYS_STREAM, seq=stored_key.revision)
    message, llm_read = await event_log.read(tenant_id, conv)
    assert isinstance(message.event.payload, MessageReceived)
    assert message.event.payload.text == ERASED
    assert message.event.actor.id == ERASED
    assert llm_read.event.payload == cost  # the ledger's facts need no key

    # Another process (its own key cache) reads the same; a late write stores nothing personal.
    other = EventLog(nc, SubjectKeys(nc.jetstream()))
    late = _message(tenant_id, conv, "written after the erasure by Zephyrine")
    await other.append(tenant_id, conv, [late], expected_version=None)
    assert all(b"Zephyrine" not in body for body in await _stored(event_log, conversation_filter(tenant_id, conv)))
    texts = [
        r.event.payload.text for r in await other.read(tenant_id, conv) if isinstance(r.event.payload, MessageReceived)
    ]
    assert texts == [ERASED, ERASED]
    assert not await other.sealer.keys.erase(tenant_id, conv)  # a repeat is harmless


async def test_a_tenant_wide_note_is_sealed_with_its_conversation_key(event_log: EventLog, tenant_id: str) -> None:
    conv = new_id("conv")
    note = TicketNoteAdded(ticket_id="tkt_1", conversation_id=conv, note_id="note_1", agent_id="agt_1", text=SENTENCE)
    event = Envelope.new(note, tenant_id=tenant_id, actor=SYSTEM)
    await event_log.publish(event)
    (body,) = await _stored(event_log, tenant_subject(tenant_id, "ticket.note_added"))
    assert b"Zephyrine" not in body
    await event_log.sealer.keys.erase(tenant_id, conv)
    opened = await event_log.open(Envelope.model_validate_json(body))
    assert isinstance(opened.payload, TicketNoteAdded)
    assert opened.payload.text == ERASED


async def test_sealing_is_idempotent_and_bound_to_its_conversation(event_log: EventLog, tenant_id: str) -> None:
    conv, other = new_id("conv"), new_id("conv")
    sealed = await event_log.sealer.seal(_message(tenant_id, conv))
    assert await event_log.sealer.seal(sealed) == sealed
    moved = sealed.model_copy(update={"conversation_id": other})
    await event_log.sealer.seal(_message(tenant_id, other))  # the other conversation has a key of its own
    with pytest.raises(ValueError, match="does not open"):
        await event_log.open(moved)


async def test_without_a_master_key_nothing_is_written(nc: NATS, tenant_id: str) -> None:
    log = EventLog(nc, SubjectKeys(nc.jetstream(), MasterKeys.parse("")))
    conv = new_id("conv")
    with pytest.raises(RuntimeError, match="DESKPILOT_VAULT_MASTER_KEYS"):
        await log.append(tenant_id, conv, [_message(tenant_id, conv)], expected_version=None)
    assert EVENTS_STREAM  # nothing reached the log: the seal fails before the publish
    assert await log.read(tenant_id, conv) == []
