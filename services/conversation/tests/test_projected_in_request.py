"""A customer message is projected once: by its request when that commits, else by the projection consumer (real
PostgreSQL and JetStream)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import httpx2
import pytest
from sqlalchemy import text

from libs.events import (
    SYSTEM,
    Actor,
    AgentReplied,
    ConversationStarted,
    Envelope,
    EventLog,
    HandoffRequested,
    RecordedEvent,
    new_id,
)
from libs.platform.runtime import ServiceRuntime
from services.conversation import projected as projected_module
from services.conversation import service
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.projected import ProjectedInRequest, projected_in_requests
from services.conversation.rebuild import rebuild_views
from services.conversation.repository import ConversationRepository
from services.conversation.service import ProjectionStore
from tests.support import eventually, provision_tenant, running

Service = tuple[httpx2.AsyncClient, ServiceRuntime]
CUSTOMER = Actor(kind="customer", id="c")


@pytest.fixture(scope="module")
async def conversation(nats_url: str, database_url: str) -> AsyncIterator[Service]:
    settings = ConversationSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings)) as svc:
        yield svc


async def test_the_outcome_is_the_transactions(conversation: Service) -> None:
    _, runtime = conversation
    outcomes = ProjectedInRequest()
    async with runtime.db.session() as session, session.begin():
        await session.execute(text("SELECT 1"))
        outcomes.watch(session, "committed")
    async with runtime.db.session() as session:
        await session.begin()
        await session.execute(text("SELECT 1"))
        outcomes.watch(session, "rolled-back")
        await session.rollback()  # the request failed after the append
    assert await outcomes.projected("committed")
    assert not await outcomes.projected("rolled-back")
    assert not await outcomes.projected("committed"), "asked twice: the second time it is not known any more"
    assert not await outcomes.projected("never-seen")


async def test_the_consumer_may_ask_before_the_transaction_ends(
    conversation: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer usually takes the message while its request is still projecting it, and waits."""
    _, runtime = conversation
    monkeypatch.setattr(projected_module, "WAIT_S", 120.0)  # the transaction's end must settle it, not the timeout
    outcomes = ProjectedInRequest()
    for committing in (True, False):
        async with runtime.db.session() as session:
            await session.begin()
            await session.execute(text("SELECT 1"))
            outcomes.watch(session, "asked-early")
            asked = asyncio.create_task(outcomes.projected("asked-early"))

            async def waiting(asked: asyncio.Task[bool] = asked) -> bool:
                return "asked-early" not in outcomes._outcomes or asked.done()

            await eventually(waiting, timeout=15, what="the consumer to ask")
            await (session.commit() if committing else session.rollback())
        assert await asyncio.wait_for(asked, 15) is committing


async def test_a_message_whose_request_committed_is_skipped_by_the_consumer_and_one_rolled_back_is_projected(
    conversation: Service, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, runtime = conversation
    monkeypatch.setattr(projected_module, "WAIT_S", 120.0)  # the transaction's end must settle it, not the timeout
    tid, conv = (await provision_tenant(event_log, runtime)).tenant_id, new_id("conv")
    opening = Envelope.new(ConversationStarted(), tenant_id=tid, conversation_id=conv, actor=CUSTOMER)
    await event_log.append(tid, conv, [opening], expected_version=0)
    in_requests = projected_in_requests(runtime)

    async def accept(words: str, *, dies: bool = False) -> None:
        async with runtime.unit_of_work() as uow:
            repo = ConversationRepository(uow.session)
            await service.receive_message(
                runtime.event_log, repo, tid, conv, words, 1000, alone=True, projected=in_requests
            )
            if dies:  # after the append: the message is on the log, its projection rolled back with the request
                raise RuntimeError("the request died before its commit")

    async def row_exists() -> bool:
        async with runtime.db.session() as session:
            return await ConversationRepository(session).get(tid, conv) is not None

    async def transcript() -> list[str]:
        async with runtime.db.session() as session:
            return [line.text for line in await ConversationRepository(session).transcript(tid, conv)]

    await eventually(row_exists, timeout=15, what="the conversation's row")
    await accept("kept")
    with pytest.raises(RuntimeError):
        await accept("lost", dies=True)
    await accept("after")  # projected only once the consumer is past the two before it (one consumer, in order)

    async def complete() -> bool:
        return await transcript() == ["kept", "lost", "after"]

    await eventually(complete, timeout=15, what="every message in the transcript, each once")


async def test_a_message_the_view_is_behind_on_shows_at_once_and_waits_for_the_events_before_it(
    conversation: Service, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handoff not projected yet, then a quick customer message: the request shows the message's line, and the
    consumer projects the handoff's status and then the message's, in log order (the request moving the row to the
    message made the handoff late: its status change was lost). A message once the view has caught up is projected
    by its request alone."""
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    tid, conv, auth = tenant.tenant_id, new_id("conv"), {"Authorization": f"Bearer {tenant.api_key}"}
    opening = Envelope.new(ConversationStarted(), tenant_id=tid, conversation_id=conv, actor=CUSTOMER)
    (started,) = await event_log.append(tid, conv, [opening], expected_version=0)

    async def row() -> tuple[str, int, int, list[tuple[int, str, str]]] | None:
        async with runtime.db.session() as session:
            repo = ConversationRepository(session)
            found = await repo.get(tid, conv)
            lines = [(e.position, e.role, e.text) for e in await repo.transcript(tid, conv)]
        return None if found is None else (found.status, found.last_position, found.event_count, lines)

    await eventually(row, timeout=15, what="the conversation's row")
    handed = Envelope.new(
        HandoffRequested(turn_id="t", reason="asked for a person", summary="-"), tenant_id=tid, conversation_id=conv,
        actor=SYSTEM,
    )  # fmt: skip
    gate, given, project_batch = asyncio.Event(), list[str](), service.project_batch

    async def held_at_the_handoff(repo: ProjectionStore, batch: Sequence[RecordedEvent]) -> None:
        given.extend(recorded.event.id for recorded in batch)
        if any(recorded.event.id == handed.id for recorded in batch):
            await asyncio.wait_for(gate.wait(), 5)  # below the consumer's ack wait
        await project_batch(repo, batch)

    in_requests, answers = projected_in_requests(runtime), dict[str, bool]()
    projected = in_requests.projected

    async def asked(event_id: str) -> bool:  # only the consumer asks
        answers[event_id] = await projected(event_id)
        return answers[event_id]

    monkeypatch.setattr(service, "project_batch", held_at_the_handoff)
    monkeypatch.setattr(in_requests, "projected", asked)
    (handoff,) = await event_log.append(tid, conv, [handed], expected_version=started)

    async def holding() -> bool:
        return handed.id in given

    await eventually(holding, timeout=15, what="the consumer to take the handoff")
    posted = await client.post(f"/v1/conversations/{conv}/messages", headers=auth, json={"text": "still there?"})
    assert posted.status_code == 202, posted.text
    message = posted.json()["position"]
    assert message > handoff
    assert await row() == ("open", started, 1, [(message, "customer", "still there?")]), "the line shows at once"
    shown = (await client.get(f"/v1/conversations/{conv}", headers=auth)).json()
    assert [line["text"] for line in shown["transcript"]] == ["still there?"]

    gate.set()

    async def caught_up() -> bool:
        found = await row()
        return found is not None and found[1] == message

    await eventually(caught_up, timeout=15, what="the consumer to project the handoff and the message")
    handoff_line = (handoff, "system", "Handed over to a human: asked for a person")
    assert await row() == ("waiting_human", message, 3, [handoff_line, (message, "customer", "still there?")])
    assert answers[posted.json()["event_id"]] is False, "the consumer projects the message's status and position"

    posted = await client.post(f"/v1/conversations/{conv}/messages", headers=auth, json={"text": "thanks"})
    later = posted.json()["position"]
    found = await row()
    assert found is not None
    assert found[:3] == ("waiting_human", later, 4), "caught up: the request projects all of it"
    reply = AgentReplied(turn_id="t2", message_id="m", text="a person will answer", provider="p", model="m")
    (replied,) = await event_log.append(
        tid, conv, [Envelope.new(reply, tenant_id=tid, conversation_id=conv, actor=SYSTEM)], expected_version=later
    )

    async def replied_projected() -> bool:
        found = await row()
        return found is not None and found[1] == replied

    await eventually(replied_projected, timeout=15, what="the reply projected")
    assert answers[posted.json()["event_id"]] is True, "the consumer skipped the message its request projected"
    views, _ = await rebuild_views(event_log, tid)
    rebuilt = views.conversations[(tid, conv)]
    lines = [(e.position, e.role, e.text) for key, e in sorted(views.transcripts.items()) if key[1] == conv]
    assert (rebuilt.status, rebuilt.last_position, rebuilt.event_count, lines) == await row()
