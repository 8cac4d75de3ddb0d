"""Every service SIGKILLed once (``deskpilot up`` restarts it) with 32 conversations in flight, each asking for a
refund (a write tool) and then about an order: every message answered exactly once, every refund made exactly once
(the demo store's rows), no acknowledged event missing, the billing ledger equal to the log, and every message
waiting on a killed service answered (how soon after its service was back is printed, not asserted: a speed, and
this machine's load decides it) (issues 14 and 18).

The services die in two waves of three, each wave's restarted at once: a service dies while the services it trades
work with stay up and keep sending it work (conversation and the agent, the agent and integrations — the refunds —
are in different waves), as when it died alone; the waves cost two restarts' time instead of six."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import psutil

from deskpilot.supervisor import SERVICES
from tests.faultkit.load import Load, LoadReport
from tests.faultkit.platform import Up, caught_up, event_log
from tests.faultkit.shop import refunds_made, without_the_refund_procedure
from tests.faultkit.verdict import conversation_log, judge

REFUND = "please refund $1 of order #1003"
ASK = "where is my order #1001?"
CONVERSATIONS = 32
WAVES = (("conversation", "integrations", "knowledge"), ("agent", "ticketing", "billing"))


@dataclass
class Crash:
    service: str
    killed_at: float
    ready_at: float


async def _replies(load: Load, at_least: int, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while load.report.answered < at_least:
        assert time.monotonic() < deadline, f"only {load.report.answered} replies of {at_least}"
        await asyncio.sleep(0.1)


async def _crash(up: Up, service: str, victim: psutil.Process, killed_at: float) -> Crash:
    await asyncio.to_thread(victim.wait, 30)
    deadline = killed_at + 420  # bounded, but a machine loaded many times over takes minutes to start Python
    while True:
        try:
            restarted = up.service(service).pid != victim.pid
        except (LookupError, psutil.Error):
            restarted = False
        if restarted and await up.ready(service):
            return Crash(service, killed_at, time.monotonic())
        assert time.monotonic() < deadline, f"{service} not back within 7 minutes"
        await asyncio.sleep(0.1)


async def _crash_wave(up: Up, services: tuple[str, ...]) -> list[Crash]:
    """SIGKILL to each of ``services`` (no clean shutdown: whatever was in flight stays unacknowledged), then until
    every one is restarted and ready."""
    victims = [up.service(service) for service in services]
    killed = []
    for victim in victims:
        victim.kill()
        killed.append(time.monotonic())
    return list(await asyncio.gather(*(_crash(up, *crash) for crash in zip(services, victims, killed, strict=True))))


def _slowest_after_restart(report: LoadReport, crashes: list[Crash]) -> float:
    """For each message pending while a service died: from the last such restart to its answer; the longest."""
    worst = 0.0
    for sent in report.accepted:
        if sent.answered_at is None:  # never seen by the client: the verdict from the log says why
            continue
        during = [c.ready_at for c in crashes if sent.sent_at < c.killed_at < sent.answered_at]
        if during:
            worst = max(worst, sent.answered_at - max(during))
    return worst


async def test_every_service_killed_once_loses_and_repeats_nothing(up: Up) -> None:
    await without_the_refund_procedure(up)
    load = Load(up.base, up.api_key, clients=CONVERSATIONS, per_conversation=2, texts=(REFUND, ASK), reply_timeout=120)
    running = asyncio.create_task(load.run())
    crashes: list[Crash] = []
    try:
        await _replies(load, CONVERSATIONS // 2)
        for wave in WAVES:
            crashes += await _crash_wave(up, wave)
            await _replies(load, load.report.answered + CONVERSATIONS // 2)  # work flows again before the next
    finally:
        load.stop.set()
        report = await running

    async with event_log(up) as log:
        events = {cid: await conversation_log(log, up.tenant_id, cid) for cid in report.conversations}
    verdict = judge(events, report)
    slowest = _slowest_after_restart(report, crashes)
    print(
        f"crashes {[(c.service, round(c.ready_at - c.killed_at, 1)) for c in crashes]}: {verdict.summary()}; "
        f"slowest answer after its service's restart {slowest:.1f} s; "
        f"{sum(1 for s in report.accepted if s.answered_at is None)} outcomes the client did not see in time"
    )
    assert sorted(c.service for c in crashes) == sorted(SERVICES), "every service killed once"
    assert verdict.clean, verdict.summary()
    assert verdict.answered_once >= verdict.accepted  # the log may hold a message whose 202 the client missed

    calls = [
        [e for e in evs if e["type"] == "tool.requested" and e["payload"]["tool"] == "refund_order"]
        for evs in events.values()
    ]
    assert all(len(c) <= 1 for c in calls), "a conversation's one refund message made one refund call at most"
    keys = {c[0]["payload"]["idempotency_key"] for c in calls if c}
    print(f"{len(keys)} refunds asked for in {len(events)} conversations")
    assert len(keys) >= CONVERSATIONS, "the crashes hit conversations doing a write tool"
    made = await refunds_made(up, keys)
    assert sorted(made) == sorted(keys), "every refund made exactly once in the store"

    await caught_up(up, timeout=300)
    rebuilt = up.cli("billing", "rebuild", "--check")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    # How soon after its restart a message was answered (issue 14 targets 15 s) is a figure, printed above.
