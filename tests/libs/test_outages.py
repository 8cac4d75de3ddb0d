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
from libs.platform.edge import idempotent
from libs.platform.faults import Outage, is_transient
from libs.platform.http import internal_error
from libs.platform.idempotency import IdempotencyKeys, Stored
from tests.libs.test_event_log import message
from tests.support import eventually


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


class _KeysOfADatabaseThatGoesAway(IdempotencyKeys):
    """The idempotency keys' interface over a dict; storing an answer fails while ``away``, as PostgreSQL stopped."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Stored] = {}
        self.away = False

    async def claim(self, tenant_id: str, key: str, request_sha256: str) -> Stored | None:
        if (tenant_id, key) in self.rows:
            return self.rows[(tenant_id, key)]
        self.rows[(tenant_id, key)] = Stored(True, None, None, None)
        return None

    async def complete(self, tenant_id: str, key: str, status: int, content_type: str | None, body: bytes) -> None:
        if self.away:
            raise ConnectionRefusedError("the database is away")
        if status >= 500:
            del self.rows[(tenant_id, key)]
        else:
            self.rows[(tenant_id, key)] = Stored(True, status, content_type, body)


async def test_a_claim_the_outage_kept_from_being_released_is_released_when_the_database_is_back() -> None:
    """The 503 of an outage must leave the key free for the client's retry, even if the database was away when the
    answer was sent (before: the claim stayed open and the retry got 409 ``idempotency_key_in_use``)."""
    keys, statuses, calls = _KeysOfADatabaseThatGoesAway(), [], 0
    scope: Any = {"type": "http", "method": "POST", "path": "/v1/x", "raw_path": b"/v1/x", "query_string": b""}

    async def app(_scope: Any, _receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        await send({"type": "http.response.start", "status": 503 if keys.away else 202, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def receive() -> Any:
        return {"type": "http.disconnect"}

    keys.away = True
    await idempotent(keys, "ten_1", "msg-1", b"", (scope, receive, send), app)
    assert statuses == [503]
    keys.away = False

    async def released() -> bool:
        return ("ten_1", "msg-1") not in keys.rows

    await eventually(released, timeout=30, what="the claim to be released once the database is back")
    await idempotent(keys, "ten_1", "msg-1", b"", (scope, receive, send), app)
    assert statuses == [503, 202], "the retry ran for real"
    assert calls == 2


async def test_an_outage_whose_failing_handler_was_stopped_ends_when_the_infrastructure_is_back() -> None:
    """The handler that saw the failure may be gone (its consumer stopped when its lease was lost): the consumers'
    loops find the infrastructure back themselves, or the process would stay not ready and take nothing, for good
    (the database-restart fault test found exactly that)."""
    outage, up = Outage(), asyncio.Event()
    outage.failed("billing-ledger", OperationalError("SELECT 1", {}, ConnectionRefusedError()))

    asked = 0

    async def infrastructure_up() -> bool:
        nonlocal asked
        asked += 1
        return up.is_set()

    async def asked_again() -> bool:
        return asked >= 3

    riding = asyncio.create_task(outage.ride_out(infrastructure_up, every_s=0.01))
    await eventually(asked_again, what="the outage to ask about the infrastructure again and again")
    assert not riding.done(), "still away: keeps waiting"
    assert outage.active
    up.set()
    await asyncio.wait_for(riding, 10)
    assert not outage.active
