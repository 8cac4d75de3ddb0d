"""The transactional outbox on real PostgreSQL and JetStream: published after commit, in emission order, never on
rollback, and a second runtime on the same tables works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, func, select

from libs.events import Actor, Envelope, EventLog, MessageReceived, new_id
from libs.events.streams import EVENTS_STREAM
from libs.platform.nats_auth import ADMIN
from libs.platform.runtime import ServiceRuntime, create_all_migration
from libs.platform.settings import ServiceSettings

METADATA = MetaData(schema="outbox_test")
CUSTOMER = Actor(kind="customer", id="c")


def runtime_for(nats_url: str, database_url: str) -> ServiceRuntime:
    settings = ServiceSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    # not a service of the platform, so no NATS credential of its own: it connects as the operator
    return ServiceRuntime("outbox_test", settings, METADATA, [create_all_migration(METADATA)], nats_identity=ADMIN)


@pytest.fixture(scope="module")
async def runtime(nats_url: str, database_url: str) -> AsyncIterator[ServiceRuntime]:
    rt = runtime_for(nats_url, database_url)
    await rt.start()
    yield rt
    await rt.stop()


def messages(tenant_id: str, conv: str, n: int) -> list[Envelope]:
    return [
        Envelope.new(
            MessageReceived(message_id=f"m{i}", text=str(i)), tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER
        )
        for i in range(n)
    ]


async def test_events_of_one_unit_of_work_publish_in_emission_order(
    runtime: ServiceRuntime, event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    emitted = messages(tenant_id, conv, 50)
    async with runtime.unit_of_work() as uow:
        for event in emitted:
            uow.emit(event)
    logged = await event_log.read(tenant_id, conv)
    assert [r.event.id for r in logged] == [e.id for e in emitted]


async def test_a_rolled_back_unit_of_work_publishes_nothing(
    runtime: ServiceRuntime, event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    doomed = messages(tenant_id, conv, 3)

    async def emit_then_fail() -> None:
        async with runtime.unit_of_work() as uow:
            for event in doomed:
                uow.emit(event)
            raise RuntimeError("a business rule failed after emitting")

    with pytest.raises(RuntimeError, match="business rule"):
        await emit_then_fail()
    assert await event_log.read(tenant_id, conv) == []
    async with runtime.db.session() as session:
        ids = [e.id for e in doomed]
        kept = (await session.execute(select(func.count()).where(runtime.outbox.c.event_id.in_(ids)))).scalar_one()
    assert kept == 0


async def test_rows_left_by_a_crash_are_published_by_the_sweep(
    runtime: ServiceRuntime, event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    stranded = messages(tenant_id, conv, 2)
    # Committed but never relayed, as if the process died between commit and publish.
    async with runtime.db.session() as session, session.begin():
        await session.execute(runtime.outbox.insert(), [{"event_id": e.id, "body": e.encode()} for e in stranded])
    assert await event_log.read(tenant_id, conv) == []
    await runtime.relay.publish_pending()
    assert [r.event.id for r in await event_log.read(tenant_id, conv)] == [e.id for e in stranded]
    await runtime.relay.publish_pending()  # a second sweep sends nothing twice
    assert len(await event_log.read(tenant_id, conv)) == 2


async def test_a_row_older_than_the_duplicate_window_is_not_logged_twice(
    runtime: ServiceRuntime, event_log: EventLog, tenant_id: str
) -> None:
    conv = new_id("conv")
    (event,) = messages(tenant_id, conv, 1)
    # Logged long ago, by a process that died before marking its row: JetStream no longer remembers the id (here
    # it never knew it, as after the window), so only the relay can tell that the row was already published.
    await event_log.jetstream.publish(event.subject, event.encode(), stream=EVENTS_STREAM)
    async with runtime.db.session() as session, session.begin():
        await session.execute(
            runtime.outbox.insert(),
            [{"event_id": event.id, "body": event.encode(), "created_at": datetime.now(UTC) - timedelta(minutes=30)}],
        )
    await runtime.relay.publish_pending()
    assert [r.event.id for r in await event_log.read(tenant_id, conv)] == [event.id]


async def test_a_second_runtime_on_the_same_tables_starts(nats_url: str, database_url: str) -> None:
    second = runtime_for(nats_url, database_url)
    await second.start()
    try:
        assert await second.ready()
    finally:
        await second.stop()
