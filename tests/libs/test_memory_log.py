"""The sandbox's in-memory log keeps the shared log's semantics: the same contract tests pass on both."""

from __future__ import annotations

import pytest

from libs.events import Actor, ConversationStarted, Envelope, EventLog, MessageReceived, VersionConflict, new_id
from libs.events.conversation_log import ConversationLog
from libs.events.log import ConversationEvents
from libs.events.memory_log import MemoryEventLog

CUSTOMER = Actor(kind="customer", id="cust-1")


def message(tenant_id: str, conversation_id: str, text: str) -> Envelope:
    payload = MessageReceived(message_id=new_id("msg"), text=text)
    return Envelope.new(payload, tenant_id=tenant_id, conversation_id=conversation_id, actor=CUSTOMER)


def started(tenant_id: str, conversation_id: str) -> Envelope:
    return Envelope.new(ConversationStarted(), tenant_id=tenant_id, conversation_id=conversation_id, actor=CUSTOMER)


@pytest.fixture(params=["jetstream", "memory"])
def log(request: pytest.FixtureRequest, event_log: EventLog) -> ConversationEvents:
    return event_log if request.param == "jetstream" else MemoryEventLog()


async def test_expected_version_is_checked_over_the_whole_conversation(log: ConversationEvents, tenant_id: str) -> None:
    conv = new_id("conv")
    first = await log.append_one(tenant_id, conv, started(tenant_id, conv), 0)
    second = await log.append_one(tenant_id, conv, message(tenant_id, conv, "a"), None)
    assert second > first
    with pytest.raises(VersionConflict):
        await log.append_one(tenant_id, conv, message(tenant_id, conv, "stale"), first)
    third = await log.append_one(tenant_id, conv, message(tenant_id, conv, "b"), second)
    assert [r.position for r in await log.read(tenant_id, conv)] == [first, second, third]
    assert [r.position for r in await log.read(tenant_id, conv, from_version=second)] == [third]


async def test_an_event_appended_twice_is_stored_once(log: ConversationEvents, tenant_id: str) -> None:
    conv = new_id("conv")
    event = started(tenant_id, conv)
    position = await log.append_one(tenant_id, conv, event, 0)
    assert await log.append_one(tenant_id, conv, event, 0) == position
    assert len(await log.read(tenant_id, conv)) == 1


async def test_an_event_of_another_conversation_is_refused(log: ConversationEvents, tenant_id: str) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        await log.append_one(tenant_id, new_id("conv"), started(tenant_id, new_id("conv")), None)


async def test_decisions_step_over_irrelevant_writes_on_either_log(log: ConversationEvents, tenant_id: str) -> None:
    conv = new_id("conv")
    version = await log.append_one(tenant_id, conv, started(tenant_id, conv), 0)
    other = await log.append_one(tenant_id, conv, message(tenant_id, conv, "meanwhile"), None)
    ours = [started(tenant_id, conv)]
    appended = await ConversationLog(log).append_decision(tenant_id, conv, ours, version, relevant=())
    assert appended.complete
    assert [r.position for r in appended.stepped_over] == [other]
    voided = await ConversationLog(log).append_decision(
        tenant_id, conv, [started(tenant_id, conv)], version, relevant=("message.received",)
    )
    assert not voided.complete
