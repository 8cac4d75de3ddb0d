"""Services SIGKILLed under load (``deskpilot up`` restarts them), for the crash test (``tests/faults``) and its
longer benchmark (``benchmarks/service_crashes.py``): 32 customers, each asking for a refund (a write tool) and then
about an order, the services killed in waves of three (each wave restarted at once; a service dies while the
services it trades work with stay up and keep sending it work: conversation and the agent, the agent and
integrations — the refunds — are in different waves), work flowing again before the next wave; then what the log
says (``verdict``), every refund's row in the store, and how soon each message waiting on a killed service was
answered after its service was back."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import psutil

from tests.faultkit.load import Load, LoadReport
from tests.faultkit.platform import Up, event_log
from tests.faultkit.shop import refunds_made, without_the_refund_procedure
from tests.faultkit.verdict import Verdict, conversation_log, judge

REFUND = "please refund $1 of order #1003"
ASK = "where is my order #1001?"
CONVERSATIONS = 32
WAVES = (("conversation", "integrations", "knowledge"), ("agent", "ticketing", "billing"))


@dataclass
class Crash:
    service: str
    killed_at: float
    ready_at: float


@dataclass
class Crashes:
    """What a crash run did and what the log and the store say of it."""

    crashes: list[Crash]
    verdict: Verdict
    slowest_after_restart: float  # seconds from a killed service's restart to the last answer it held back
    unseen: int  # accepted messages whose outcome the client did not see in time (the verdict reads the log)
    refund_calls: list[int] = field(default_factory=list)  # refund tool calls per conversation
    refunds_asked: set[str] = field(default_factory=set)  # idempotency keys of the refund calls
    refunds_made: list[str] = field(default_factory=list)  # of those, the keys the store holds a row for

    def summary(self) -> str:
        return (
            f"crashes {[(c.service, round(c.ready_at - c.killed_at, 1)) for c in self.crashes]}: "
            f"{self.verdict.summary()}; slowest answer after its service's restart {self.slowest_after_restart:.1f} s; "
            f"{self.unseen} outcomes the client did not see in time; {len(self.refunds_asked)} refunds asked for, "
            f"{len(self.refunds_made)} rows in the store"
        )


async def crash_under_load(up: Up, rounds: int = 1) -> Crashes:
    """Every service killed ``rounds`` times (``WAVES`` each round) while the load runs."""
    await without_the_refund_procedure(up)
    load = Load(up.base, up.api_key, clients=CONVERSATIONS, per_conversation=2, texts=(REFUND, ASK), reply_timeout=120)
    running = asyncio.create_task(load.run())
    crashes: list[Crash] = []
    try:
        await _replies(load, CONVERSATIONS // 2)
        for _ in range(rounds):
            for wave in WAVES:
                crashes += await _crash_wave(up, wave)
                await _replies(load, load.report.answered + CONVERSATIONS // 2)  # work flows again before the next
    finally:
        load.stop.set()
        report = await running
    async with event_log(up) as log:
        events = {cid: await conversation_log(log, up.tenant_id, cid) for cid in report.conversations}
    calls = [
        [e for e in evs if e["type"] == "tool.requested" and e["payload"]["tool"] == "refund_order"]
        for evs in events.values()
    ]
    keys = {c[0]["payload"]["idempotency_key"] for c in calls if c}
    return Crashes(
        crashes,
        judge(events, report),
        _slowest_after_restart(report, crashes),
        sum(1 for s in report.accepted if s.answered_at is None),
        [len(c) for c in calls],
        keys,
        await refunds_made(up, keys),
    )


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
