"""PostgreSQL stopped for 20 s, and for 60 s, under load and started again: consumers ride it out (nothing goes to
dead letters), services say they are not ready while it lasts, every accepted message is answered exactly once, and
the billing ledger still equals the log (issue 22: a 10 s restart used to park events for good)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faultkit.platform import Up, caught_up
from tests.faultkit.scenario import under_load

OUTAGES_S = (20.0, 60.0)  # a routine restart or failover; a minute, longer than any retry's backoff
SERVICES = ("conversation", "agent", "integrations", "billing")


@pytest.mark.parametrize("outage_s", OUTAGES_S, ids=lambda s: f"{s:.0f}s")
async def test_a_database_restart_under_load_parks_nothing_and_loses_nothing(up: Up, outage_s: float) -> None:
    readiness: dict[str, set[bool]] = {s: set() for s in SERVICES}

    async def watch() -> None:
        while True:
            for service in SERVICES:
                readiness[service].add(await up.ready(service))
            await asyncio.sleep(0.5)

    async def database_restart() -> None:
        watcher = asyncio.create_task(watch())
        try:
            await asyncio.to_thread(up.postgres.halt)
            await asyncio.sleep(outage_s)  # the fault itself: how long the database stays away
            await asyncio.to_thread(up.postgres.resume)
            deadline = time.monotonic() + 60
            while not all([await up.ready(s) for s in SERVICES]):
                assert time.monotonic() < deadline, "services not ready again a minute after the database came back"
                await asyncio.sleep(0.2)
        finally:
            watcher.cancel()

    outcome = await under_load(up, database_restart, before=30, after=40)  # as the node faults: recovery shows in 40
    print(outcome.line(f"PostgreSQL stopped {outage_s:.0f} s"))
    verdict = outcome.verdict
    assert not [e for e in verdict.errors if " 500" in e], f"an outage answered 500: {verdict.errors}"
    assert not verdict.dead_letters, outcome.line("database")
    assert verdict.clean, outcome.line("database")
    assert verdict.answered_once >= verdict.accepted
    assert all(False in seen for seen in readiness.values()), f"readiness during the outage: {readiness}"
    await caught_up(up)
    rebuilt = up.cli("billing", "rebuild", "--check")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
