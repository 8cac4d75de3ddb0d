"""A message that fails the same way is parked after ``max_attempts``; once the cause is fixed, ``redrive`` applies
it exactly once (in the service that owns the consumer) and removes the letter, so a second redrive does nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError

from libs.events import EventLog, RecordedEvent, new_id
from libs.events.subjects import redrive_subject
from libs.platform.consumers import Consumers, Subscription
from libs.platform.dead_letters import RedriveServer, dead_letters, redrive
from tests.libs.test_event_log import message


async def test_a_parked_event_is_redriven_once_after_the_fix(
    event_log: EventLog, nc: NATS, tenant_id: str, nats_url: str
) -> None:
    broken = True
    applied: list[str] = []

    async def handle(recorded: RecordedEvent) -> None:
        if broken:
            raise ValueError("a bug in the handler")
        applied.append(recorded.event.id)

    name = new_id("dlq").replace("_", "-")
    consumer = f"test-{name}"
    consumers = Consumers("test", nc, event_log)
    conv = new_id("conv")
    first, second = message(tenant_id, conv, "first"), message(tenant_id, conv, "second")
    consumers.add(Subscription(name, f"dp.conv.{tenant_id}.{conv}.>", handle, max_attempts=2))
    # Stopped below, as the service's runtime stops it: left answering "test"'s redrive requests (one queue group on
    # the session's NATS), it answered tests/contract/test_operator.py's for a consumer it did not have (LookupError).
    server = RedriveServer("test", nc, event_log, lambda: consumers.subscriptions)
    await consumers.start()
    await server.start()
    try:
        await event_log.publish(first)
        await event_log.publish(second)
        for _ in range(300):  # bounded: two events, two attempts each, 0.5 s apart
            parked = await dead_letters(nc, consumer)
            if len(parked) == 2:
                break
            await asyncio.sleep(0.05)
        assert [p.event_id for p in parked] == [first.id, second.id]
        assert applied == []

        listed = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "deskpilot.cli", "dead-letters", "list", "--consumer", consumer],
            env={**os.environ, "NATS_URL": nats_url},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert f"{first.id} at" in listed.stdout
        assert "2 dead letters" in listed.stdout

        still = await redrive(nc, parked[:1])  # the cause is not fixed yet: it stays parked
        assert still[0][1] is not None
        assert len(await dead_letters(nc, consumer)) == 2

        broken = False
        results = await redrive(nc, parked)
        assert [error for _, error in results] == [None, None]
        assert applied == [first.id, second.id], "once each, in log order"
        assert await dead_letters(nc, consumer) == []
        assert await redrive(nc, await dead_letters(nc, consumer)) == []
        assert applied == [first.id, second.id]
    finally:
        await server.stop()
        await consumers.stop()
    # No redrive server of "test" is left on the session's connection (this test's, or an earlier test's) to answer
    # another test's redrives for consumers it does not have.
    with pytest.raises(NoRespondersError):
        await nc.request(redrive_subject("test"), b"{}", timeout=5)
