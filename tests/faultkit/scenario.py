"""One fault in the middle of a load: the load runs, the fault strikes once enough replies flowed, the load goes on
for a while after the fault is over, then the verdict is read from the log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.faultkit.load import Load, LoadReport
from tests.faultkit.platform import Up, event_log
from tests.faultkit.verdict import Verdict, recovery_seconds, verdict_of

Fault = Callable[[], Awaitable[None]]


@dataclass
class Outcome:
    report: LoadReport
    verdict: Verdict
    fault_at: float
    fault_lasted: float
    recovery_s: float

    def line(self, name: str) -> str:
        v = self.verdict
        return (
            f"{name}: accepted {v.accepted} / answered once {v.answered_once}; unanswered {len(v.unanswered)}, "
            f"twice {len(v.answered_twice)}, lost acked {len(v.lost)}, duplicate ids {len(v.duplicate_ids)}; "
            f"dead letters {sum(v.dead_letters.values())} {dict(v.dead_letters)}; "
            f"replies flowed again {self.recovery_s:.1f} s after the fault (it lasted {self.fault_lasted:.1f} s); "
            f"client errors {dict(v.errors)}"
        )


async def _replies(load: Load, at_least: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while load.report.answered < at_least:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {load.report.answered} replies of {at_least} within {timeout:.0f} s")
        await asyncio.sleep(0.1)


async def under_load(
    up: Up, fault: Fault, *, before: int = 40, after: int = 60, clients: int = 8, reply_timeout: float = 90.0
) -> Outcome:
    """``before`` replies, then ``fault()`` (which returns when the fault is over), then ``after`` more replies."""
    load = Load(up.base, up.api_key, clients=clients, per_conversation=3, reply_timeout=reply_timeout)
    running = asyncio.create_task(load.run())
    try:
        await _replies(load, before)
        fault_at = time.monotonic()
        await fault()
        lasted = time.monotonic() - fault_at
        await _replies(load, load.report.answered + after, timeout=reply_timeout + 60)
    finally:
        load.stop.set()
        report = await running
    async with event_log(up) as log:
        verdict = await verdict_of(log, up.tenant_id, report)
    return Outcome(report, verdict, fault_at, lasted, recovery_seconds(report, fault_at, lasted))
