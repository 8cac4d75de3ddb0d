"""A customer message is projected once: by its request when that commits, else by the projection consumer (real
PostgreSQL and JetStream)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest
from sqlalchemy import text

from libs.events import Actor, ConversationStarted, Envelope, EventLog, new_id
from libs.platform.runtime import ServiceRuntime
from services.conversation import projected as projected_module
from services.conversation import service
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.projected import ProjectedInRequest, projected_in_requests
from services.conversation.repository import ConversationRepository
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
