"""Transient or the message's: an infrastructure failure is ridden out (never parked, readiness says so), a failure
that repeats with the infrastructure up is parked after ``max_attempts``; an HTTP request during an outage answers
503 with ``Retry-After`` as problem+json, not 500."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.errors import APIError, NotFoundError
from sqlalchemy.exc import OperationalError

from libs.events import EventLog, RecordedEvent, new_id
from libs.events.streams import DEAD_LETTER_STREAM
from libs.events.subjects import dead_letter_subject
from libs.platform.consumers import Consumers, Subscription
from libs.platform.faults import Outage, is_transient
from libs.platform.http import internal_error
from tests.libs.test_event_log import message


def test_infrastructure_failures_are_transient_and_bugs_are_not() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))
    assert is_transient(OperationalError("SELECT 1", {}, ConnectionResetError()))
    assert is_transient(APIError(code=503, description="JetStream system temporarily unavailable"))
    wrapped = RuntimeError("while projecting")
    wrapped.__cause__ = asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")
    assert is_transient(wrapped)
    assert not is_transient(ValueError("bad amount"))
    assert not is_transient(KeyError("order"))
    assert not is_transient(APIError(code=400, description="bad request"))


def _request(runtime: object = None) -> Any:
    return SimpleNamespace(
        method="POST", url=SimpleNamespace(path="/v1/conversations"), app=SimpleNamespace(state={"runtime": runtime})
    )


def test_an_outage_answers_503_with_retry_after_and_a_bug_answers_500() -> None:
    outage = internal_error(_request(), asyncpg.exceptions.CannotConnectNowError("starting up"))
    assert outage.status_code == 503
    assert outage.headers["Retry-After"].isdigit()
    assert outage.media_type == "application/problem+json"
    body = outage.content
    assert body["status"] == 503
    assert body["title"]
    bug = internal_error(_request(), ValueError("secret detail"))
    assert bug.status_code == 500
    assert "secret" not in str(bug.content)


async def _parked(nc: NATS, consumer: str) -> bytes | None:
    try:
        return (await nc.jetstream().get_last_msg(DEAD_LETTER_STREAM, dead_letter_subject(consumer))).data
    except NotFoundError:
        return None


async def test_a_database_outage_is_ridden_out_and_never_parked(event_log: EventLog, nc: NATS, tenant_id: str) -> None:
    """The handler fails with the database away for longer than ``max_attempts`` tries would last; the message is
    handled once the database is back, nothing is parked, and the outage shows while it lasts."""
    away = asyncio.Event()
    away.set()
    handled: list[str] = []
    tries: list[int] = []
    outage = Outage()

    async def handle(recorded: RecordedEvent) -> None:
        tries.append(recorded.position)
        if away.is_set():
            raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
        handled.append(recorded.event.id)

    name = new_id("outage").replace("_", "-")
    consumers = Consumers("test", nc, event_log, outage)
    event = message(tenant_id, new_id("conv"), "during an outage")
    consumers.add(Subscription(name, event.subject, handle, max_attempts=2))
    await consumers.start()
    try:
        await event_log.publish(event)
        for _ in range(200):  # bounded: more tries than max_attempts within a few seconds
            if len(tries) > 2:
                break
            await asyncio.sleep(0.05)
        assert len(tries) > 2, "tried beyond max_attempts"
        assert outage.active
        assert await _parked(nc, f"test-{name}") is None
        away.clear()
        for _ in range(200):
            if handled:
                break
            await asyncio.sleep(0.05)
        assert handled == [event.id]
        assert not outage.active
        assert await _parked(nc, f"test-{name}") is None
    finally:
        await consumers.stop()


async def test_a_message_that_fails_the_same_way_is_parked_after_max_attempts(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    attempts: list[int] = []

    async def handle(recorded: RecordedEvent) -> None:
        attempts.append(recorded.position)
        raise ValueError("a rule this event violates")

    name = new_id("bad").replace("_", "-")
    consumers = Consumers("test", nc, event_log)
    event = message(tenant_id, new_id("conv"), "breaks the handler")
    consumers.add(Subscription(name, event.subject, handle, max_attempts=3))
    await consumers.start()
    try:
        await event_log.publish(event)
        for _ in range(200):
            if await _parked(nc, f"test-{name}") is not None:
                break
            await asyncio.sleep(0.05)
        assert len(attempts) == 3
        assert await _parked(nc, f"test-{name}") is not None
    finally:
        await consumers.stop()
